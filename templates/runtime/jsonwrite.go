package mluvii

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// jsonWriter builds a JSON object by appending; it is what the generated
// MarshalJSON methods write with.
type jsonWriter struct {
	b     []byte
	comma bool
}

func (w *jsonWriter) begin() {
	w.b = append(w.b, '{')
	w.comma = false
}

func (w *jsonWriter) end() {
	w.b = append(w.b, '}')
	w.comma = true
}

// key writes a member key (and the comma before it when needed).
func (w *jsonWriter) key(k string) {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
	w.comma = true
}

func (w *jsonWriter) str(s string)  { w.b = appendString(w.b, s) }
func (w *jsonWriter) int32(n int32) { w.b = strconv.AppendInt(w.b, int64(n), 10) }
func (w *jsonWriter) int64(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }
func (w *jsonWriter) boolean(v bool) {
	w.b = strconv.AppendBool(w.b, v)
}

// float64 writes a number as encoding/json does; NaN and infinities, which
// JSON cannot carry, are written as null.
func (w *jsonWriter) float64(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.b = append(w.b, "null"...)
		return
	}
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		w.b = strconv.AppendFloat(w.b, f, 'e', -1, 64)
		return
	}
	w.b = strconv.AppendFloat(w.b, f, 'f', -1, 64)
}

func (w *jsonWriter) timestamp(ts Timestamp) {
	if ts.IsZero() {
		w.b = append(w.b, "null"...)
		return
	}
	w.str(ts.String())
}

// raw writes JSON text as it is (null when empty).
func (w *jsonWriter) raw(m json.RawMessage) {
	if len(m) == 0 {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, m...)
}

// writeSlice writes a list; a nil slice is written as [].
func writeSlice[T any](w *jsonWriter, s []T, elem func(*jsonWriter, T)) {
	w.b = append(w.b, '[')
	for i, v := range s {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.comma = false
		elem(w, v)
	}
	w.b = append(w.b, ']')
	w.comma = true
}

// writeMap writes an object with its keys sorted, as encoding/json does.
func writeMap[T any](w *jsonWriter, m map[string]T, elem func(*jsonWriter, T)) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.begin()
	for _, k := range keys {
		w.key(k)
		elem(w, m[k])
	}
	w.end()
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone: mluvii messages carry HTML on purpose. Invalid UTF-8 is
// replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript; escape them
		// as encoding/json does.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
