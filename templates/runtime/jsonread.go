package mluvii

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader is the reflection-free, allocation-frugal JSON reader behind
// Decode. It reads from a string so that strings without escapes are
// substrings of the body (no allocation each). Errors are sticky: after the
// first one every read returns a zero value and loops end, and each level of
// the generated code prefixes the error's path with its field as it returns.
type jsonReader struct {
	s     string
	pos   int
	err   *DecodeError
	depth int    // objects and lists open at pos
	key   string // the current object key, set by nextKey
	// name is the last activity name an activity reader met in its body.
	name string
}

func newJSONReader(s string) *jsonReader { return &jsonReader{s: s} }

// maxJSONDepth bounds how deeply objects and lists may nest, as in
// encoding/json. The reader recurses once per level, and a Go stack overflow
// is a fatal error that no recover catches: without a bound, a body of a few
// megabytes of '[' would kill the process.
const maxJSONDepth = 10000

// open consumes the '{' or '[' at pos, entering one more level of nesting;
// it fails when that is deeper than maxJSONDepth. nextKey and nextElem leave
// the level again at the closing bracket.
func (r *jsonReader) open() bool {
	if r.depth >= maxJSONDepth {
		r.fail("nesting deeper than %d levels", maxJSONDepth)
		return false
	}
	r.depth++
	r.pos++
	return true
}

// fail records the first error at the current position. Arguments that are
// text from the body are passed as bodyText, so that the error's log form
// (DecodeError.LogValue) can leave them out.
func (r *jsonReader) fail(format string, args ...any) {
	if r.err != nil {
		return
	}
	r.err = &DecodeError{Msg: fmt.Sprintf(format, args...), Offset: r.pos}
	redacted := false
	for i, a := range args {
		if _, ok := a.(bodyText); ok {
			if !redacted {
				args, redacted = append([]any(nil), args...), true
			}
			args[i] = bodyText("…")
		}
	}
	if redacted {
		r.err.logMsg = fmt.Sprintf(format, args...)
	}
}

// bodyText marks an argument of fail that is text from the body.
type bodyText string

// at prefixes the path of a pending error with a field name.
func (r *jsonReader) at(field string) {
	if r.err != nil {
		r.err.prefix(field)
	}
}

// atKey prefixes the path of a pending error with a map key, which is text
// from the body: the error's log form shows it as "…".
func (r *jsonReader) atKey(key string) {
	if r.err != nil {
		r.err.prefixKey(key)
	}
}

// atIndex prefixes the path of a pending error with a list index.
func (r *jsonReader) atIndex(i int) {
	if r.err != nil {
		r.err.prefixIndex(i)
	}
}

func (r *jsonReader) ws() {
	if r.pos < len(r.s) && r.s[r.pos] <= ' ' {
		r.skipSpace()
	}
}

// skipSpace advances to the next byte that is not JSON white space.
func (r *jsonReader) skipSpace() {
	i, s := r.pos, r.s
	for i < len(s) && jsonSpace[s[i]] {
		i++
	}
	r.pos = i
}

// jsonSpace marks the bytes JSON counts as white space.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// peek returns the next non-space byte, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.pos < len(r.s) {
		return r.s[r.pos]
	}
	return 0
}

// null consumes a JSON null if one comes next.
func (r *jsonReader) null() bool {
	if r.err == nil && r.peek() == 'n' {
		return r.literal("null")
	}
	return false
}

func (r *jsonReader) literal(lit string) bool {
	if len(r.s)-r.pos >= len(lit) && r.s[r.pos:r.pos+len(lit)] == lit {
		r.pos += len(lit)
		return true
	}
	if rest := r.s[r.pos:]; len(rest) < len(lit) && lit[:len(rest)] == rest {
		r.fail("unexpected end of JSON")
	} else {
		r.fail("invalid JSON literal")
	}
	return false
}

// kind names the JSON kind of the next value for error messages.
func (r *jsonReader) kind() string {
	switch r.peek() {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case 0:
		return "the end of the body"
	}
	if c := r.s[r.pos]; c == '-' || isDigit(c) {
		return "a number"
	}
	return "invalid JSON"
}

// beginObject consumes '{'. It reports false (without error) for null, and
// false with an error for any other kind.
func (r *jsonReader) beginObject() bool {
	if r.err != nil || r.null() {
		return false
	}
	if r.peek() != '{' {
		r.fail("expected an object, got %s", r.kind())
		return false
	}
	return r.open()
}

// nextKey advances to the next member of the current object, reading its key
// into r.key and consuming the colon; i counts the members read so far. It
// reports false at the closing brace or after an error.
func (r *jsonReader) nextKey(i int) bool {
	if r.err != nil {
		return false
	}
	c := r.peek()
	if c == '}' {
		r.pos++
		r.depth--
		return false
	}
	if i > 0 {
		if c != ',' {
			r.fail("expected , or } in object")
			return false
		}
		r.pos++
		c = r.peek()
	}
	if c != '"' {
		if c == 0 {
			r.fail("unexpected end of JSON")
		} else {
			r.fail("expected a quoted object key")
		}
		return false
	}
	r.key = r.rawString()
	if r.peek() != ':' {
		r.fail("expected : after object key")
		return false
	}
	r.pos++
	return r.err == nil
}

// beginArray consumes '['; false for null (no error) or another kind (error).
func (r *jsonReader) beginArray() bool {
	if r.err != nil || r.null() {
		return false
	}
	if r.peek() != '[' {
		r.fail("expected a list, got %s", r.kind())
		return false
	}
	return r.open()
}

// nextElem advances to the next element of the current array; i counts the
// elements read so far.
func (r *jsonReader) nextElem(i int) bool {
	if r.err != nil {
		return false
	}
	c := r.peek()
	if c == ']' {
		r.pos++
		r.depth--
		return false
	}
	if i > 0 {
		if c != ',' {
			r.fail("expected , or ] in list")
			return false
		}
		r.pos++
		if r.peek() == ']' {
			r.fail("unexpected ] after ,")
			return false
		}
	}
	if c == 0 {
		r.fail("unexpected end of JSON")
		return false
	}
	return true
}

// plainStringByte marks the bytes that may appear in a JSON string without
// further thought: not a quote, a backslash or a control character.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	loBits = 0x0101010101010101
	hiBits = 0x8080808080808080
)

// le64 returns the first eight bytes of s as a little-endian word; the
// compiler makes it one load.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// special8 marks the bytes of w (a little-endian word of string bytes) that
// are a quote, a backslash or a control character with their high bit. A
// byte above a marked one may be marked wrongly (a borrow), the lowest mark
// never is, and no such byte goes unmarked.
func special8(w uint64) uint64 {
	// Flipping bit 1 turns a quote (0x22) into 0x20 and keeps the control
	// characters below it, while a space and '!' go to 0x22 and 0x23: one
	// "below 0x21" test finds quotes and control characters alike.
	q := w ^ 0x02*loBits
	quoteOrControl := (q - 0x21*loBits) &^ q & hiBits
	b := w ^ '\\'*loBits
	return quoteOrControl | (b-loBits)&^b&hiBits
}

// rawString reads a quoted string and returns its unescaped value. Strings
// without escapes and with valid UTF-8 are returned without copying.
func (r *jsonReader) rawString() string {
	r.pos++ // opening quote
	start, i, s := r.pos, r.pos, r.s
	// Eight bytes at a time: the lowest marked byte of a word is the first
	// quote, backslash or control character (special8). high collects the
	// bytes before it, to tell whether the string is all ASCII.
	var high uint64
	for i+8 <= len(s) {
		w := le64(s[i : i+8])
		if m := special8(w); m != 0 {
			n := bits.TrailingZeros64(m) >> 3
			high |= w & (1<<(n*8) - 1)
			i += n
			goto found
		}
		high |= w
		i += 8
	}
	for i < len(s) && plainStringByte[s[i]] {
		high |= uint64(s[i])
		i++
	}
found:
	r.pos = i
	switch {
	case i >= len(s):
		r.fail("unexpected end of JSON in string")
		return ""
	case s[i] == '\\':
		return r.escapedString(start)
	case s[i] != '"':
		r.fail("control character in string")
		return ""
	}
	v := s[start:i]
	r.pos++
	if high&hiBits != 0 && !validUTF8(v) {
		return string([]rune(v)) // replaces invalid bytes with U+FFFD, as encoding/json does
	}
	return v
}

// validUTF8 is utf8.ValidString with a quick path for what text in Latin
// scripts is made of, ASCII and two-byte sequences, checked a word at a time:
// each continuation byte must follow a lead byte C2–DF, in the same word or
// (lead) at the end of the one before. From the first word with anything
// else it hands over to utf8.ValidString.
func validUTF8(s string) bool {
	i := 0
	var lead uint64 // 0x80 when the word before ended in a lead byte
	for ; i+8 <= len(s); i += 8 {
		w := le64(s[i : i+8])
		high := w & hiBits
		if high == 0 {
			if lead != 0 {
				break
			}
			continue
		}
		// Of the bytes with the high bit: bit 6 tells a lead (11xxxxxx) from
		// a continuation (10xxxxxx); a lead with bit 5 (E0–FF) starts a longer
		// sequence, one without bits 4–1 (C0, C1) is overlong.
		bit6, bit5 := w<<1&hiBits, w<<2&hiBits
		bits41 := (w&(0x1e*loBits) + 0x7f*loBits) & hiBits
		leads, cont := high&bit6, high&^bit6
		if leads&(bit5|^bits41) != 0 || cont != leads<<8|lead {
			break
		}
		lead = leads >> 56
	}
	if lead != 0 {
		i-- // resume at the lead byte, whose sequence is not checked yet
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		if 0xC2 <= c && c <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			i += 2
			continue
		}
		return utf8.ValidString(s[i:])
	}
	return true
}

// escapedString finishes a string that contains escapes, from its start.
// It builds the value in a strings.Builder sized to the raw string (one
// allocation), copying runs of plain bytes at once.
func (r *jsonReader) escapedString(start int) string {
	s := r.s
	var b strings.Builder
	b.Grow(rawStringEnd(s, r.pos) - start)
	b.WriteString(s[start:r.pos])
	for {
		i := r.pos
		for i < len(s) && plainStringByte[s[i]] {
			i++
		}
		b.WriteString(s[r.pos:i])
		r.pos = i
		switch {
		case i >= len(s) || i+1 >= len(s) && s[i] == '\\':
			r.fail("unexpected end of JSON in string")
			return ""
		case s[i] == '"':
			r.pos++
			if v := b.String(); !utf8.ValidString(v) {
				return string([]rune(v)) // replaces invalid bytes with U+FFFD
			} else {
				return v
			}
		case s[i] < 0x20:
			r.fail("control character in string")
			return ""
		}
		e := s[i+1]
		r.pos += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			rn, ok := r.hex4()
			if !ok {
				return ""
			}
			if utf16.IsSurrogate(rn) {
				rn = r.lowSurrogate(rn)
			}
			b.WriteRune(rn)
		default:
			r.pos -= 2
			r.fail("invalid escape in string")
			return ""
		}
	}
}

// rawStringEnd returns the offset of the quote closing the string that
// continues at i (or len(s)), stepping over escapes.
func rawStringEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case '"':
			return i
		case '\\':
			i++
		}
		i++
	}
	return len(s)
}

func (r *jsonReader) hex4() (rune, bool) {
	if r.pos+4 > len(r.s) {
		r.fail("unexpected end of JSON in string")
		return 0, false
	}
	n, err := strconv.ParseUint(r.s[r.pos:r.pos+4], 16, 32)
	if err != nil {
		r.fail("invalid \\u escape in string")
		return 0, false
	}
	r.pos += 4
	return rune(n), true
}

// lowSurrogate completes a UTF-16 surrogate pair, or yields U+FFFD.
func (r *jsonReader) lowSurrogate(hi rune) rune {
	if r.pos+6 <= len(r.s) && r.s[r.pos] == '\\' && r.s[r.pos+1] == 'u' {
		if lo, err := strconv.ParseUint(r.s[r.pos+2:r.pos+6], 16, 32); err == nil {
			if rn := utf16.DecodeRune(hi, rune(lo)); rn != utf8.RuneError {
				r.pos += 6
				return rn
			}
		}
	}
	return utf8.RuneError
}

// number returns the text of a JSON number token.
func (r *jsonReader) number() string {
	start := r.pos
	if r.pos < len(r.s) && r.s[r.pos] == '-' {
		r.pos++
	}
	digits := r.pos
	for r.pos < len(r.s) && isDigit(r.s[r.pos]) {
		r.pos++
	}
	if r.pos == digits || (r.s[digits] == '0' && r.pos-digits > 1) {
		r.pos = start
		r.fail("invalid number")
		return ""
	}
	if r.pos < len(r.s) && r.s[r.pos] == '.' {
		r.pos++
		if !r.digits() {
			return ""
		}
	}
	if r.pos < len(r.s) && (r.s[r.pos] == 'e' || r.s[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.s) && (r.s[r.pos] == '+' || r.s[r.pos] == '-') {
			r.pos++
		}
		if !r.digits() {
			return ""
		}
	}
	return r.s[start:r.pos]
}

func (r *jsonReader) digits() bool {
	start := r.pos
	for r.pos < len(r.s) && isDigit(r.s[r.pos]) {
		r.pos++
	}
	if r.pos == start {
		r.fail("invalid number")
		return false
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skip reads and discards one value of any kind, checking its syntax.
func (r *jsonReader) skip() {
	switch r.peek() {
	case '{':
		if r.open() {
			for i := 0; r.nextKey(i); i++ {
				r.skip()
			}
		}
	case '[':
		if r.open() {
			for i := 0; r.nextElem(i); i++ {
				r.skip()
			}
		}
	case '"':
		r.rawString()
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	case 0:
		r.fail("unexpected end of JSON")
	default:
		if c := r.s[r.pos]; c == '-' || isDigit(c) {
			r.number()
			return
		}
		r.fail("invalid character %q", r.s[r.pos])
	}
}

// rawValue returns the text of the next value (nil for null).
func (r *jsonReader) rawValue() json.RawMessage {
	if r.null() {
		return nil
	}
	start := r.peekPos()
	r.skip()
	if r.err != nil {
		return nil
	}
	return json.RawMessage(r.s[start:r.pos])
}

func (r *jsonReader) peekPos() int {
	r.ws()
	return r.pos
}

// end checks that nothing but white space follows the root value. It looks
// at the position, not at peek's 0, which a NUL byte in the body reads as too.
func (r *jsonReader) end() {
	if r.err == nil && r.peekPos() < len(r.s) {
		r.fail("unexpected data after the JSON value")
	}
}

// str reads a string; null reads as "".
func (r *jsonReader) str() string {
	if r.err == nil && r.peek() == '"' {
		return r.rawString()
	}
	if r.err != nil || r.null() {
		return ""
	}
	if r.peek() != '"' {
		r.fail("expected a string, got %s", r.kind())
		return ""
	}
	return r.rawString()
}

// looseStr reads a value of a string map: strings as they are, numbers and
// booleans as their literal text, lists and objects as their JSON text.
func (r *jsonReader) looseStr() string {
	switch r.peek() {
	case '"':
		return r.rawString()
	case '{', '[':
		return compactJSON(string(r.rawValue()))
	case 't', 'f':
		return strconv.FormatBool(r.boolean())
	}
	if r.err == nil {
		if c := r.peek(); c == '-' || isDigit(c) {
			return r.number()
		}
		r.skip()
	}
	return ""
}

// boolean reads true/false, also as the strings "true"/"false" in any case;
// null reads as false.
func (r *jsonReader) boolean() bool {
	if r.err != nil || r.null() {
		return false
	}
	switch r.peek() {
	case 't':
		return r.literal("true")
	case 'f':
		r.literal("false")
		return false
	case '"':
		start := r.pos
		switch s := r.rawString(); {
		case equalFold(s, "true"):
			return true
		case equalFold(s, "false"):
			return false
		}
		r.pos = start
	}
	r.fail("expected a boolean, got %s", r.kind())
	return false
}

// numberText reads a number, also from a numeric string. ok is false for null.
func (r *jsonReader) numberText() (text string, ok bool) {
	if r.err != nil || r.null() {
		return "", false
	}
	switch c := r.peek(); {
	case c == '"':
		start := r.pos
		s := r.rawString()
		if n := (&jsonReader{s: s}); n.peek() == '-' || isDigit(n.peek()) {
			if t := n.number(); n.err == nil && n.pos == len(s) {
				return t, true
			}
		}
		r.pos = start
		r.fail("expected a number, got the string %q", bodyText(s))
	case c == '-' || isDigit(c):
		return r.number(), r.err == nil
	default:
		r.fail("expected a number, got %s", r.kind())
	}
	return "", false
}

// intBits reads an integer of the given size. Integral floats (4815162342.0)
// and numeric strings are accepted; fractions and out-of-range values are not.
func (r *jsonReader) intBits(bits int) int64 {
	if n, ok := r.smallInt(); ok {
		if bits == 32 && (n < -1<<31 || n >= 1<<31) {
			r.fail("number %s out of range for a 32-bit integer", bodyText(strconv.FormatInt(n, 10)))
			return 0
		}
		return n
	}
	start := r.peekPos()
	t, ok := r.numberText()
	if !ok {
		return 0
	}
	if n, err := strconv.ParseInt(t, 10, bits); err == nil {
		return n
	}
	f, err := strconv.ParseFloat(t, 64)
	limit := math.Ldexp(1, bits-1)
	inRange := err == nil && f >= -limit && f < limit
	if inRange && f == math.Trunc(f) {
		return int64(f)
	}
	r.pos = start
	if inRange {
		r.fail("expected an integer, got %s", bodyText(t))
	} else {
		r.fail("number %s out of range for a %d-bit integer", bodyText(t), bits)
	}
	return 0
}

func (r *jsonReader) int32() int32 { return int32(r.intBits(32)) }
func (r *jsonReader) int64() int64 { return r.intBits(64) }

// float64 reads a number (also a numeric string).
func (r *jsonReader) float64() float64 {
	start := r.peekPos()
	t, ok := r.numberText()
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		r.pos = start
		r.fail("number %s out of range", bodyText(t))
	}
	return f
}

// sessionID reads a required, positive session id.
func (r *jsonReader) sessionID() int64 {
	start := r.peekPos()
	if id, ok := r.smallInt(); ok && id > 0 {
		return id // the usual case: a plain positive integer
	}
	r.pos = start
	if r.peek() == 'n' {
		r.fail("session id is null")
		return 0
	}
	id := r.int64()
	if r.err == nil && id <= 0 {
		r.pos = start
		r.fail("session id %s is not positive", bodyText(strconv.FormatInt(id, 10)))
	}
	return id
}

// timestamp reads a timestamp string, keeping its text (checked, not yet
// turned into a time.Time); null reads as zero.
func (r *jsonReader) timestamp() Timestamp {
	start := r.peekPos()
	// Usually a quoted timestamp of the quick check's layout, read in place.
	if s := r.s; r.err == nil && start < len(s) && s[start] == '"' {
		if n := usualTimestampLen(s[start+1:]); n > 0 && start+1+n < len(s) && s[start+1+n] == '"' {
			r.pos = start + n + 2
			return Timestamp{text: s[start+1 : start+1+n]}
		}
	}
	s := r.str()
	if s == "" || r.err != nil {
		return Timestamp{}
	}
	if !usualTimestamp(s) {
		if _, _, err := parseTimestamp(s); err != nil {
			r.pos = start
			r.fail("%s", bodyText(err.Error()))
			return Timestamp{}
		}
	}
	return Timestamp{text: s}
}

// enumNumber maps a number to an enum value's wire name; unknown numbers keep
// their decimal text.
type enumNumber struct {
	number int64
	name   string
}

// enumValue reads an open enum value: a string as it is, or a number mapped
// through numbers.
func (r *jsonReader) enumValue(numbers []enumNumber) string {
	if r.err == nil && r.peek() == '"' {
		return r.rawString()
	}
	if r.err != nil || r.null() {
		return ""
	}
	if r.peek() == '"' {
		return r.rawString()
	}
	n := r.int64()
	for _, e := range numbers {
		if e.number == n {
			return e.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// emptyList consumes the ] of a list just begun when the list is empty.
// The generated list readers (generator/gotypes.go) use it to return an
// empty, non-nil list for [] without allocating.
func (r *jsonReader) emptyList() bool {
	if r.peek() == ']' {
		r.pos++
		r.depth--
		return true
	}
	return false
}

// keyIs reports whether the current key is name in any letter case.
func (r *jsonReader) keyIs(name string) bool { return equalFold(r.key, name) }

// equalFold is strings.EqualFold for ASCII-only b, with a fast path.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if a == b {
		return true
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// object consumes the '{' of a value that must be an object: null is an
// error too (used for whole activities).
func (r *jsonReader) object() bool {
	if r.err == nil && r.peek() == 'n' {
		r.fail("expected an object, got null")
		return false
	}
	return r.beginObject()
}

// missing records that a required member is absent.
func (r *jsonReader) missing(key string) {
	if r.err == nil {
		r.fail("required key is missing")
		r.err.setPath(key)
	}
}

// result finishes a decode: nil, or the error with the body and activity.
func (r *jsonReader) result(body []byte, activity string) error {
	if r.err == nil {
		return nil
	}
	r.err.Body = body
	r.err.Activity = activity
	return r.err
}

// lenientInt64 finds the last top-level member key (in any case) and reads
// it as an integer, ignoring every problem; for Unknown's session id.
func lenientInt64(s, key string) int64 {
	r := newJSONReader(s)
	var n int64
	if !r.beginObject() {
		return 0
	}
	for i := 0; r.nextKey(i); i++ {
		if r.keyIs(key) {
			if v := r.int64(); r.err == nil {
				n = v
			}
			if r.err != nil {
				return n
			}
			continue
		}
		r.skip()
	}
	return n
}

// readFlags reads a flag set into its Go type: a list of names or numbers,
// a bit mask, or a comma-separated string ("BUSINESS_HOURS, NO_OPERATORS",
// as .NET writes flags). Numbers are split into the flags of numbers; bits no
// flag covers are kept as their decimal text. A set holds each bit once: a
// number adds only the bits no earlier number of the list added, so a list of
// numbers yields at most one value per bit, however long it is (a body of
// millions of -1 must not turn into millions of copies of every flag). Names
// in a list are kept as they come, as encoding/json would; a comma-separated
// string keeps each name once. null reads as nil.
func readFlags[T ~string](r *jsonReader, numbers []enumNumber) []T {
	if r.err != nil || r.null() {
		return nil
	}
	switch c := r.peek(); {
	case c == '[':
		if !r.open() {
			return nil
		}
		if r.emptyList() {
			return []T{}
		}
		out := make([]T, 0, 2) // one allocation for the usual one or two flags, not one per growth
		var seen flagBits
		for i := 0; r.nextElem(i); i++ {
			out = appendFlag(r, out, numbers, &seen)
			r.atIndex(i)
		}
		return out
	case c == '"':
		out := []T{}
		for part := range strings.SplitSeq(r.rawString(), ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, T(part)) {
				out = append(out, T(part))
			}
		}
		return out
	}
	var seen flagBits
	return appendFlag(r, []T{}, numbers, &seen)
}

// flagBits remembers which bits the numbers of one flag list already added.
type flagBits struct {
	bits int64
	zero bool // a 0 was read (it adds the zero flag, if the spec names one)
}

// appendFlag reads one flag name, or a number split into the flags of the
// bits seen does not hold yet.
func appendFlag[T ~string](r *jsonReader, out []T, numbers []enumNumber, seen *flagBits) []T {
	if r.peek() == '"' {
		return append(out, T(r.rawString()))
	}
	n := r.int64()
	if r.err != nil {
		return out
	}
	if n == 0 {
		if seen.zero {
			return out
		}
		seen.zero = true
		for _, e := range numbers {
			if e.number == 0 {
				return append(out, T(e.name))
			}
		}
		return out
	}
	n &^= seen.bits
	seen.bits |= n
	for _, e := range numbers {
		if e.number != 0 && n&e.number == e.number {
			out = append(out, T(e.name))
			n &^= e.number
		}
	}
	if n != 0 {
		out = append(out, T(strconv.FormatInt(n, 10)))
	}
	return out
}

// compactJSON removes the white space between the tokens of valid JSON.
func compactJSON(s string) string {
	b := make([]byte, 0, len(s))
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			b = append(b, c)
			if c == '\\' && i+1 < len(s) {
				i++
				b = append(b, s[i])
			} else if c == '"' {
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			inString = c == '"'
			b = append(b, c)
		}
	}
	return string(b)
}

// smallInt is the fast path of intBits: a plain integer token of at most 18
// digits (which cannot overflow int64), not followed by a fraction or
// exponent. It consumes nothing when it reports false.
func (r *jsonReader) smallInt() (int64, bool) {
	r.ws()
	i, s := r.pos, r.s
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	start := i
	end := min(len(s), start+18)
	var n int64
	for ; i < end; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
	}
	if i == start || (s[start] == '0' && i-start > 1) {
		return 0, false
	}
	if i < len(s) && (isDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
		return 0, false
	}
	r.pos = i
	if neg {
		n = -n
	}
	return n, true
}

// firstMember reads the body's first member when its key is key (in any
// case) and its value a string, and returns that string; r is then inside
// the object, one member read, with the string in r.name as activityName
// leaves it. Otherwise it returns "" and r is of no further use. Decode uses
// it to pick the activity type and read the body in one pass in the usual
// case: the type's reader goes on from the second member.
func (r *jsonReader) firstMember(key string) string {
	if r.peek() != '{' || !r.open() {
		return ""
	}
	if r.peek() != '"' || !equalFold(r.rawString(), key) || r.peek() != ':' {
		return ""
	}
	r.pos++
	if r.peek() != '"' {
		return ""
	}
	if v := r.rawString(); r.err == nil {
		r.name = v
		return v
	}
	return ""
}

// activityName reads the value of the activity-name key inside an activity
// body, remembering the last one (duplicate keys: the last wins).
func (r *jsonReader) activityName() {
	if r.peek() != '"' {
		r.fail("the activity name must be a string, got %s", r.kind())
		return
	}
	r.name = r.rawString()
}
