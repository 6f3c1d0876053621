package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Statement is one SQL statement with ? placeholders and its arguments, as handed to
// clickhouse-go (which binds them client-side).
type Statement struct {
	SQL  string
	Args []any
}

// literalEscaper is clickhouse-go's string quoting for client-side binding.
var literalEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`)

// Inline returns the statement with its arguments written in as literals, the way
// clickhouse-go's client-side binding writes them, for tools that take plain SQL (chDB,
// clickhouse-client, logs). It supports the argument types this package uses: string,
// signed and unsigned integers, and clickhouse.GroupSet of those. Question marks in the
// SQL text outside placeholders are not supported (this package writes none).
func (s Statement) Inline() (string, error) {
	var b strings.Builder
	arg := 0
	for _, r := range s.SQL {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		if arg >= len(s.Args) {
			return "", fmt.Errorf("query: statement has more placeholders than %d arguments", len(s.Args))
		}
		lit, err := literal(s.Args[arg])
		if err != nil {
			return "", err
		}
		b.WriteString(lit)
		arg++
	}
	if arg != len(s.Args) {
		return "", fmt.Errorf("query: statement has %d placeholders for %d arguments", arg, len(s.Args))
	}
	return b.String(), nil
}

func literal(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return "'" + literalEscaper.Replace(v) + "'", nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case clickhouse.GroupSet:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			lit, err := literal(e)
			if err != nil {
				return "", err
			}
			parts[i] = lit
		}
		return "(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("query: cannot inline argument of type %T", v)
}

// builder accumulates WHERE conditions with their arguments in placeholder order.
type builder struct {
	where []string
	args  []any
}

func (b *builder) cond(sql string, args ...any) {
	b.where = append(b.where, sql)
	b.args = append(b.args, args...)
}

func (b *builder) whereSQL() string { return strings.Join(b.where, "\n  AND ") }

func stringSet(values []string) clickhouse.GroupSet {
	set := clickhouse.GroupSet{Value: make([]any, len(values))}
	for i, v := range values {
		set.Value[i] = v
	}
	return set
}
