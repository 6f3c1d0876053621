package chschema_test

import (
	"fmt"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

func ExampleInsertStatement() {
	fmt.Println(chschema.InsertStatement(chschema.Legacy, "auditstream", chschema.TableCobrowse))
	fmt.Println(chschema.InsertColumns(chschema.Modern, chschema.TableCobrowse)[4])
	// Output:
	// INSERT INTO auditstream.cobrowse_events (event_id, tenant_id, session_id, seq, event_time, event_time_ms, actor, type, element, scroll_x, scroll_y, form, input_text, input_masked, page, custom_type, custom_value, page_url)
	// event_time
}

func ExampleProfileForVersion() {
	for _, v := range []string{"18.16.1", "24.3.5.47", "24.8.4.13", "25.8.2.29"} {
		p, _ := chschema.ProfileForVersion(v)
		fmt.Println(v, p)
	}
	// Output:
	// 18.16.1 legacy
	// 24.3.5.47 legacy
	// 24.8.4.13 modern
	// 25.8.2.29 modern
}
