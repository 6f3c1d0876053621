// Package datagen writes the INSERT ... SELECT statements that generate the benchmark data
// set on the server (used by bench/querybench and the chDB proof in chdb/). Every value
// derives from cityHash64 of the row coordinates, so the statements are deterministic and
// re-running a range reproduces identical rows, like a redelivered Kafka batch. Pure
// functions: safe for concurrent use.
package datagen

import (
	"fmt"
	"math"
	"strings"

	chschema "github.com/auditstream/auditstream/schemas/clickhouse"
)

// ZipfScale returns the scale C for session sizes n(rank) = minSize + floor(C / (rank+1)^a)
// so that the sizes of sessions sessions sum to at least rows.
func ZipfScale(rows, sessions int, a float64, minSize int) float64 {
	sum := func(c float64) int {
		total := 0
		for r := range sessions {
			total += minSize + int(c/math.Pow(float64(r+1), a))
		}
		return total
	}
	lo, hi := 0.0, float64(rows)
	for range 60 {
		mid := (lo + hi) / 2
		if sum(mid) >= rows {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// timeCols returns the SELECT expressions for event_time (and event_time_ms on legacy)
// from an epoch-milliseconds expression.
func timeCols(p chschema.Profile, ms string) string {
	if p == chschema.Legacy {
		return fmt.Sprintf("toDateTime(intDiv(%s, 1000)) AS event_time, toUInt16(%s %% 1000) AS event_time_ms", ms, ms)
	}
	return fmt.Sprintf("fromUnixTimestamp64Milli(toInt64(%s), 'UTC') AS event_time", ms)
}

// uuidV7 is an expression building a UUIDv7 the way event.NewID does: the millisecond time,
// a 16-bit counter within the millisecond (taken from the expression counter), and the
// 58-bit tail of the producer process that made it (node).
func uuidV7(ms, counter, node string) string {
	hi := fmt.Sprintf("hex(toUInt64(%s) * 65536 + 28672 + intDiv(%s %% 65536, 16))", ms, counter)
	lo := fmt.Sprintf("hex(toUInt64(9223372036854775808) + (%s %% 16) * 288230376151711744 + (%s %% 288230376151711744))", counter, node)
	return fmt.Sprintf("toUUID(concat(substring(%[1]s, 1, 8), '-', substring(%[1]s, 9, 4), '-', substring(%[1]s, 13, 4), '-', substring(%[2]s, 1, 4), '-', substring(%[2]s, 5, 12)))", hi, lo)
}

// CobrowseInsert returns the INSERT ... SELECT generating the sessions [from, to) of
// sessions, with keep filtering the sessions (e.g. "s % 100 = 0" for a redelivery).
func CobrowseInsert(p chschema.Profile, db string, sessions, tenants int, c, a float64, minSize, from, to int, baseMS int64, keep string) string {
	cols := chschema.InsertColumns(p, chschema.TableCobrowse)
	inner := fmt.Sprintf(`SELECT number AS s,
    toUInt64(%d + floor(%f / pow(((number * 7919) %% %d) + 1, %f))) AS n,
    concat('tenant-', toString(toUInt32(floor(%d * pow((cityHash64(number, 't') %% 1000000) / 1000000.0, 3))))) AS tenant,
    concat('sess-', lower(hex(cityHash64(number, 'sid')))) AS sid,
    toUInt64(%d + (cityHash64(number, 'start') %% 2592000000)) AS start_ms
  FROM numbers(%d) WHERE number >= %d AND number < %d AND (%s)`,
		minSize, c, sessions, a, tenants, baseMS, to, from, to, keep)
	ms := "(start_ms + seq * 1000 + h % 900)"
	sel := fmt.Sprintf(`SELECT
  %s AS event_id, tenant AS tenant_id, sid AS session_id, seq, %s,
  if(h %% 10 < 3, 'AGENT', 'CUSTOMER') AS actor,
  multiIf(h %% 100 < 35, 'SCROLL', h %% 100 < 55, 'INPUT', h %% 100 < 80, 'CLICK', h %% 100 < 85, 'PAGE-CHANGE', h %% 100 < 88, 'FORM', h %% 100 < 95, 'SELECTION', 'CUSTOM_EVENT') AS type,
  if(type IN ('SCROLL', 'INPUT', 'CLICK'), concat('#el-', toString(intDiv(h, 100) %% 200)), '') AS element,
  toInt64(0) AS scroll_x,
  if(type = 'SCROLL', toInt64((seq * 37) %% 5000), toInt64(0)) AS scroll_y,
  if(type = 'FORM', concat('form#f-', toString(intDiv(h, 100) %% 20)), '') AS form,
  if(type = 'INPUT', substring(lower(hex(cityHash64(h))), 1, 4 + intDiv(h, 100) %% 12), '') AS input_text,
  toUInt8(type = 'INPUT' AND intDiv(h, 1000) %% 10 = 0) AS input_masked,
  if(type = 'PAGE-CHANGE', concat('/page/', toString(intDiv(h, 100) %% 30)), '') AS page,
  if(type = 'CUSTOM_EVENT', 'coupon_applied', '') AS custom_type,
  if(type = 'CUSTOM_EVENT', concat('{"code":"C', toString(intDiv(h, 100) %% 50), '"}'), '') AS custom_value,
  concat('https://shop.example.com/p/', toString(intDiv(h, 10000) %% 50)) AS page_url
FROM (SELECT s, tenant, sid, start_ms, seq, cityHash64(s, seq) AS h FROM (%s) ARRAY JOIN range(n) AS seq)`,
		uuidV7(ms, "h", "cityHash64(s, 'node')") /* one producer per session; a busy one: counter from the hash */, timeCols(p, ms), inner)
	return fmt.Sprintf("INSERT INTO %s (%s)\n%s", chschema.QualifiedName(db, chschema.TableCobrowse), strings.Join(cols, ", "), sel)
}

// AuditInsert returns the INSERT ... SELECT generating audit rows [from, to) of rows spread
// evenly over 30 days from baseMS.
func AuditInsert(p chschema.Profile, db string, rows, tenants, users, from, to int, baseMS int64, keep string) string {
	cols := chschema.InsertColumns(p, chschema.TableAudit)
	ms := fmt.Sprintf("(%d + intDiv(n * 2592000000, %d) + h %% 1000)", baseMS, rows)
	sel := fmt.Sprintf(`SELECT
  %s AS event_id,
  concat('tenant-', toString(toUInt32(floor(%d * pow((cityHash64(n, 't') %% 1000000) / 1000000.0, 3))))) AS tenant_id,
  concat('user-', toString(toUInt32(floor(%d * pow((cityHash64(n, 'u') %% 1000000) / 1000000.0, 2))))) AS user_id,
  %s,
  multiIf(h %% 100 < 40, 'MESSENGER_SEND', h %% 100 < 60, 'LOGGED_IN', h %% 100 < 75, 'STATUS_CHANGE', h %% 100 < 80, 'ONLINE_STATUS_ONLINE',
          h %% 100 < 85, 'ONLINE_STATUS_OFFLINE', h %% 100 < 90, 'START_CALL', h %% 100 < 94, 'LIVE_VIEW', h %% 100 < 96, 'CONFERENCE_AGENT',
          h %% 100 < 97, 'CONFERENCE_RECORDING', h %% 100 < 98, 'MEETING_CHANGE', h %% 1000 < 985, 'ROLE_CHANGE', h %% 1000 < 990, 'PERMISSION_CHANGE',
          h %% 1000 < 995, 'PLUGIN_CHANGE', 'SETTINGS_CHANGE') AS type,
  if(type IN ('START_CALL', 'CONFERENCE_AGENT', 'CONFERENCE_RECORDING'), concat('call-', toString(intDiv(h, 100) %% 100000)), '') AS call_id,
  if(type IN ('START_CALL', 'MESSENGER_SEND', 'STATUS_CHANGE', 'CONFERENCE_AGENT', 'CONFERENCE_RECORDING'), concat('cust-', toString(intDiv(h, 1000) %% 50000)), '') AS customer_id,
  if(type = 'LIVE_VIEW', concat('sess-', lower(hex(cityHash64(intDiv(h, 10) %% 100000, 'sid')))), '') AS session_id,
  if(type = 'STATUS_CHANGE', if(h %% 2 = 0, 'Done', 'Unresolved'), '') AS status,
  if(type = 'STATUS_CHANGE', concat('msg-', toString(intDiv(h, 100) %% 1000000)), '') AS message_id,
  if(type IN ('ROLE_CHANGE', 'PERMISSION_CHANGE'), 'Agent', '') AS role_name,
  if(type = 'ROLE_CHANGE', concat('user-', toString(intDiv(h, 100) %% 200)), '') AS target_user_id,
  if(type = 'PERMISSION_CHANGE', ['chat.read', 'chat.write', 'cobrowse.join'], emptyArrayString()) AS permissions,
  multiIf(type = 'PLUGIN_CHANGE', '{"plugin":"chat-widget","enabled":true}', type = 'SETTINGS_CHANGE', '{"security":{"mfa_required":true}}',
          type = 'MEETING_CHANGE', concat('{"conference_id":"conf-', toString(h %% 1000), '","title":"Weekly review"}'), '') AS data_json,
  if(type = 'MEETING_CHANGE', 'CREATE_OR_UPDATE', 'UNKNOWN') AS operation,
  if(type = 'CONFERENCE_RECORDING', ['user-1', 'user-2'], emptyArrayString()) AS joined_agents,
  if(type = 'CONFERENCE_RECORDING', ['onboarding'], emptyArrayString()) AS tags
FROM (SELECT number AS n, cityHash64(number, 'h') AS h FROM numbers(%d) WHERE number >= %d AND number < %d AND (%s))`,
		uuidV7(ms, "n", "cityHash64(h % 64, 'node')") /* 64 producers; the row number keeps IDs unique */, tenants, users, timeCols(p, ms), to, from, to, keep)
	return fmt.Sprintf("INSERT INTO %s (%s)\n%s", chschema.QualifiedName(db, chschema.TableAudit), strings.Join(cols, ", "), sel)
}
