// AvroInterop decodes Avro binary written by auditstream's Go codec with the Apache Avro
// Java library, an independent implementation, and writes what it saw back for the Go
// test (interop_test.go) to compare:
//
//   java -cp 'JARDIR/*' AvroInterop.java WRITER.avsc READER.avsc IN.bin OUT.jsonl OUT.bin [...]
//
// Arguments come in groups of five. IN.bin is a concatenation of Avro datums (no
// Confluent frame) written with WRITER.avsc; each datum is read with writer→reader
// resolution into READER.avsc, printed as one line of Avro JSON encoding to OUT.jsonl,
// and re-encoded with READER.avsc to OUT.bin as a 4-byte big-endian length plus the
// Avro binary, which the Go side decodes with its own codec.

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;

public class AvroInterop {
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 5 != 0) {
            System.err.println("usage: AvroInterop WRITER.avsc READER.avsc IN.bin OUT.jsonl OUT.bin [...]");
            System.exit(2);
        }
        for (int i = 0; i < args.length; i += 5) {
            Schema writer = new Schema.Parser().parse(new File(args[i]));
            Schema reader = new Schema.Parser().parse(new File(args[i + 1]));
            byte[] in = Files.readAllBytes(new File(args[i + 2]).toPath());
            int n = convert(writer, reader, in, new File(args[i + 3]), new File(args[i + 4]));
            System.err.printf("%s: %d records%n", args[i + 2], n);
        }
    }

    static int convert(Schema writer, Schema reader, byte[] in, File jsonOut, File binOut) throws Exception {
        GenericDatumReader<GenericRecord> datumReader = new GenericDatumReader<>(writer, reader);
        GenericDatumWriter<GenericRecord> datumWriter = new GenericDatumWriter<>(reader);
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(in, null);
        int n = 0;
        try (PrintStream json = new PrintStream(new FileOutputStream(jsonOut), false, StandardCharsets.UTF_8);
             DataOutputStream bin = new DataOutputStream(new FileOutputStream(binOut))) {
            while (!dec.isEnd()) {
                GenericRecord rec = datumReader.read(null, dec);

                ByteArrayOutputStream js = new ByteArrayOutputStream();
                JsonEncoder je = EncoderFactory.get().jsonEncoder(reader, js);
                datumWriter.write(rec, je);
                je.flush();
                json.println(js.toString(StandardCharsets.UTF_8));

                ByteArrayOutputStream bs = new ByteArrayOutputStream();
                BinaryEncoder be = EncoderFactory.get().binaryEncoder(bs, null);
                datumWriter.write(rec, be);
                be.flush();
                bin.writeInt(bs.size());
                bs.writeTo(bin);
                n++;
            }
        }
        return n;
    }
}
