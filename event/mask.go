package event

import (
	"strings"
)

// Masker rewrites the text of an INPUT event before it leaves the emitting service, and
// sets Masked when it changed anything. It must be safe for concurrent use.
type Masker func(*InputData)

// MaskText replaces the whole text of an input element that DefaultMasker judges
// sensitive; it does not reveal the length.
const MaskText = "********"

// sensitiveWords are whole words of an element name or id that mark it as sensitive;
// words are split at non-alphanumerics and lower-to-upper case changes
// ("cc-number", "userPin", "card_cvv").
var sensitiveWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passcode": true, "passphrase": true,
	"secret": true, "pin": true, "cvv": true, "cvc": true, "csc": true, "cc": true, "card": true,
	"ssn": true, "token": true, "otp": true, "iban": true, "totp": true, "mfa": true,
	"credential": true, "credentials": true, "apikey": true, "creditcard": true, "cardnumber": true,
}

// sensitiveInfixes are matched anywhere in the lower-cased name, to also catch
// run-together names ("newpassword", "clientsecret", "authtoken").
var sensitiveInfixes = []string{"password", "passwd", "secret", "token", "creditcard", "cardnumber", "apikey"}

// SensitiveElement reports whether an element name or id looks like it holds a secret
// or payment data (password, pin, cvv, card, ssn, token, ... as a word, case-insensitive).
func SensitiveElement(element string) bool {
	lower := strings.ToLower(element)
	for _, s := range sensitiveInfixes {
		if strings.Contains(lower, s) {
			return true
		}
	}
	start := 0
	for i := 0; i <= len(element); i++ {
		boundary := i == len(element) || !isAlnum(element[i]) ||
			(i > start && isLower(element[i-1]) && isUpper(element[i]))
		if !boundary {
			continue
		}
		if i > start && sensitiveWords[lower[start:i]] {
			return true
		}
		start = i
		if i < len(element) && !isAlnum(element[i]) {
			start = i + 1
		}
	}
	return false
}

// DefaultMasker masks INPUT text that must not leave the emitting service: the whole
// text of a SensitiveElement (replaced by MaskText), and, in any element, every digit of
// a run that looks like a payment card number (13-19 digits, optionally separated by
// single spaces or dashes, passing the Luhn check). It sets Masked when it changed the
// text, and leaves an already-masked input alone.
func DefaultMasker(d *InputData) {
	if d == nil || d.Masked || d.Text == "" {
		return
	}
	if SensitiveElement(d.Element) {
		d.Text, d.Masked = MaskText, true
		return
	}
	if t, ok := maskCardNumbers(d.Text); ok {
		d.Text, d.Masked = t, true
	}
}

// maskCardNumbers replaces the digits of Luhn-valid 13-19 digit runs with '*'.
func maskCardNumbers(s string) (string, bool) {
	var out []byte // allocated on the first match only
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			i++
			continue
		}
		// Scan a run of digits with single ' ' or '-' separators between digits.
		end, digits := i, 0
		for j := i; j < len(s); j++ {
			if isDigit(s[j]) {
				digits++
				end = j + 1
				continue
			}
			if (s[j] == ' ' || s[j] == '-') && j+1 < len(s) && isDigit(s[j+1]) && isDigit(s[j-1]) {
				continue
			}
			break
		}
		if digits >= 13 && digits <= 19 && luhn(s[i:end]) {
			if out == nil {
				out = []byte(s)
			}
			for k := i; k < end; k++ {
				if isDigit(out[k]) {
					out[k] = '*'
				}
			}
		}
		i = end
	}
	if out == nil {
		return s, false
	}
	return string(out), true
}

// luhn reports whether the digits of s (other bytes ignored) pass the Luhn check.
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		if !isDigit(s[i]) {
			continue
		}
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isLower(b byte) bool { return b >= 'a' && b <= 'z' }
func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isAlnum(b byte) bool { return isDigit(b) || isLower(b) || isUpper(b) }
