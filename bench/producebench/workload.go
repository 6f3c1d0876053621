// Package producebench measures the producer library against plain franz-go producing the
// same pre-encoded records with the same client settings, into a real Kafka (see
// producebench_test.go), and holds the synthetic co-browsing workload both use.
//
//	AUDITSTREAM_E2E=1 go test ./bench/producebench -run '^$' -bench . -benchtime 5x
package producebench

import (
	"fmt"
	"math/rand/v2"

	"github.com/auditstream/auditstream/event"
)

// Cobrowse returns n co-browsing events that look like production traffic, the same for the
// same seed: tenants and sessions Zipf-skewed (a few busy sessions, a long tail), a scroll-
// and input-heavy type mix, CSS-selector element names, page URLs, some INPUT text the
// default masker must mask (password fields, card numbers). Sequence numbers increase per
// session; EventID and Time are left zero for the producer to fill.
func Cobrowse(n int, seed uint64) []*event.Cobrowse {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const tenants, sessions = 20, 2000
	zs := rand.NewZipf(r, 1.1, 4, sessions-1)
	seq := make([]int64, sessions)
	out := make([]*event.Cobrowse, n)
	for i := range out {
		s := int(zs.Uint64())
		e := &event.Cobrowse{
			TenantID:  fmt.Sprintf("tenant-%02d", s%tenants),
			SessionID: fmt.Sprintf("sess-%04x-%06d", s*2654435761%65536, s),
			Seq:       seq[s],
			Actor:     []event.Actor{event.ActorCustomer, event.ActorCustomer, event.ActorAgent}[r.IntN(3)],
			PageURL:   fmt.Sprintf("https://shop%d.example.com%s", s%tenants, pages[r.IntN(len(pages))]),
		}
		seq[s]++
		switch x := r.IntN(100); {
		case x < 35:
			e.Type, e.Scroll = event.Scroll, &event.ScrollData{Element: pick(r, scrollables), X: 0, Y: int64(r.IntN(12000))}
		case x < 55:
			in := &event.InputData{Element: pick(r, inputs)}
			switch y := r.IntN(10); {
			case y == 0:
				in.Text = "4111 1111 1111 1111" // a card number typed into a free-text field
			case y < 4:
				in.Text = fmt.Sprintf("user%d@example.org", r.IntN(100000))
			default:
				in.Text = pick(r, words) + " " + pick(r, words)
			}
			e.Type, e.Input = event.Input, in
		case x < 75:
			e.Type, e.Click = event.Click, &event.ElementData{Element: pick(r, clickables)}
		case x < 85:
			e.Type, e.PageChange = event.PageChange, &event.PageChangeData{Page: pick(r, pageNames)}
		case x < 91:
			e.Type = event.Selection
		case x < 96:
			e.Type, e.Form = event.Form, &event.FormData{Form: pick(r, forms)}
		default:
			e.Type, e.CustomEvent = event.CustomEvent, &event.CustomEventData{
				EventType: "coupon_applied", Value: fmt.Sprintf(`{"code":"WINTER%d","discount_pct":%d}`, r.IntN(30), 5+r.IntN(20))}
		}
		out[i] = e
	}
	return out
}

func pick(r *rand.Rand, l []string) string { return l[r.IntN(len(l))] }

var (
	pages       = []string{"/", "/products", "/products/espresso-machine-x200", "/cart", "/checkout?step=1", "/checkout?step=2", "/account/orders", "/help/returns"}
	pageNames   = []string{"Home", "Products", "Espresso machine X200", "Cart", "Checkout – お支払い", "My orders", "Returns & refunds"}
	scrollables = []string{"", "", "div.product-list", "section#reviews", "div.modal-body", "ul.search-results"}
	clickables  = []string{"button#add-to-cart", "a.nav-link[href='/cart']", "button.btn-primary.checkout", "li.product-card:nth-child(3)", "button#apply-coupon", "a#help"}
	inputs      = []string{"input#search", "input#email", "textarea#message", "input#password", "input[name='address-line1']", "input#coupon-code"}
	forms       = []string{"form#shipping-address", "form#login", "form#newsletter", "form#payment"}
	words       = []string{"blue", "espresso", "machine", "return", "order", "delivery", "tokyo", "gift", "warranty", "size"}
)
