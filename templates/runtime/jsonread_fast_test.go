package mluvii

import (
	"encoding/json"
	"math/bits"
	"math/rand"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// ParseTimestamp computes the instant itself instead of calling time.Date;
// on random dates of years 0000–9999, with and without an offset, it must
// return exactly what time.Date does, and reject the dates time.Date would
// normalise into another day (2023-02-30).
func TestParseTimestampMatchesTimeDate(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		y, mo, d := rng.Intn(10000), 1+rng.Intn(12), 1+rng.Intn(31)
		h, mi, se, ns := rng.Intn(24), rng.Intn(60), rng.Intn(60), rng.Intn(1e9)
		var loc *time.Location = time.UTC
		off := ""
		if i%3 == 1 {
			oh, om := rng.Intn(24), rng.Intn(60)
			sign := 1
			if rng.Intn(2) == 0 {
				sign = -1
			}
			loc = time.FixedZone("", sign*(oh*3600+om*60))
			c := "+"
			if sign < 0 {
				c = "-"
			}
			off = c + padDigits(oh, 2) + ":" + padDigits(om, 2)
		}
		s := padDigits(y, 4) + "-" + padDigits(mo, 2) + "-" + padDigits(d, 2) + "T" + padDigits(h, 2) + ":" + padDigits(mi, 2) + ":" + padDigits(se, 2) + "." + padDigits(ns, 9) + off
		want := time.Date(y, time.Month(mo), d, h, mi, se, ns, loc)
		ts, err := ParseTimestamp(s)
		if want.Day() != d {
			if err == nil {
				t.Fatalf("%s: want error", s)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got := ts.Time()
		_, o1 := got.Zone()
		_, o2 := want.Zone()
		if !got.Equal(want) || o1 != o2 || (loc == time.UTC && got != want) || got.String() != want.String() {
			t.Fatalf("%s: got %#v want %#v", s, got, want)
		}
		if ts.HasOffset() != (off != "") || ts.String() != s {
			t.Fatalf("%s: HasOffset %v, String %q", s, ts.HasOffset(), ts)
		}
	}
}

func padDigits(n, w int) string {
	b := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// special8 must mark the first byte of a word that ends a plain run of a
// string (a quote, a backslash or a control character) exactly, and mark
// nothing in a word without one.
func TestSpecial8FindsTheFirstSpecialByte(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	picks := []byte{'"', '\\', 0, 2, 0x1f, 0x20, 0x21, 0x23, 'a', 0x7f, 0x80, 0xa2, 0xff, 0xc3, '"' + 1, '\\' - 1}
	for range 200000 {
		var b [8]byte
		for i := range b {
			if rng.Intn(3) == 0 {
				b[i] = picks[rng.Intn(len(picks))]
			} else {
				b[i] = byte(rng.Intn(256))
			}
		}
		want := 8
		for i, c := range b {
			if !plainStringByte[c] {
				want = i
				break
			}
		}
		m := special8(le64(string(b[:])))
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("% x: first special byte %d, want %d", b, got, want)
		}
	}
}

// special8 on every pair of byte values side by side, at each place in a
// word of plain bytes: a borrow runs only from a byte to the one above it,
// so pairs show every way a byte can disturb its neighbour. The first
// special byte must be the lowest mark, and every special byte is marked.
func TestSpecial8EveryBytePair(t *testing.T) {
	for _, fill := range []byte{'a', ' ', '!', '#', 0x7f, 0x80, 0xff} {
		for p := range 7 {
			for x := range 1 << 16 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[p], b[p+1] = byte(x), byte(x>>8)
				m := special8(le64(string(b[:])))
				if m&^hiBits != 0 {
					t.Fatalf("% x: marks %#x outside the high bits", b, m)
				}
				want := 8
				for i := len(b) - 1; i >= 0; i-- {
					if !plainStringByte[b[i]] {
						want = i
						if m>>(8*i+7)&1 == 0 {
							t.Fatalf("% x: byte %d is not marked (%#x)", b, i, m)
						}
					}
				}
				got := 8
				if m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != want {
					t.Fatalf("% x: first special byte %d, want %d", b, got, want)
				}
			}
		}
	}
}

// validUTF8 must agree with utf8.ValidString.
func TestValidUTF8MatchesUTF8(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	picks := []byte{'a', 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f}
	for range 200000 {
		b := make([]byte, rng.Intn(12))
		for i := range b {
			b[i] = picks[rng.Intn(len(picks))]
		}
		if got, want := validUTF8(string(b)), utf8.ValidString(string(b)); got != want {
			t.Fatalf("% x: validUTF8 %v, utf8.ValidString %v", b, got, want)
		}
	}
	// Longer text, mostly valid, so that whole words of two-byte sequences
	// (and sequences across words) reach the word-at-a-time path; some bytes
	// are then changed to anything.
	runes := []rune("aZ ,.čšřžýáíéúůďťňČŠŘ€😀\u0080\u07ff\u0800")
	for range 200000 {
		b := randomText(rng, 40, runes, picks)
		if got, want := validUTF8(string(b)), utf8.ValidString(string(b)); got != want {
			t.Fatalf("% x: validUTF8 %v, utf8.ValidString %v", b, got, want)
		}
	}
}

// validUTF8 on every pair of byte values side by side, at each place in
// three words of ASCII and two-byte sequences (one of which spans two
// words), and on the same text from the second byte and from the eighth:
// each byte value meets every neighbour, as lead, continuation or ASCII, at
// a word's start, middle and end.
func TestValidUTF8EveryBytePair(t *testing.T) {
	const text = "\xc3\xa9ab\xc5\xbe\xc4\x8d.\xc3\xa9xy\xd0\x96\xdf\xbfz\xc2\x80\xc3\xa1\xc3\xa9"
	if len(text) != 24 || !utf8.ValidString(text) {
		t.Fatalf("%q: %d bytes, want 24 of valid UTF-8", text, len(text))
	}
	b := []byte(text)
	for p := range len(b) - 1 {
		for x := range 1 << 16 {
			copy(b, text)
			b[p], b[p+1] = byte(x), byte(x>>8)
			for _, s := range []string{string(b), string(b[1:]), string(b[7:])} {
				if got, want := validUTF8(s), utf8.ValidString(s); got != want {
					t.Fatalf("% x: validUTF8 %v, utf8.ValidString %v", s, got, want)
				}
			}
		}
	}
}

// validUTF8 on every word made of ASCII, continuation, overlong lead,
// two-byte lead and three-byte lead bytes, after a word that ends in a lead
// byte, one of two-byte sequences and one of ASCII, with and without a
// continuation byte after it.
func TestValidUTF8EveryWordOfKinds(t *testing.T) {
	kinds := []byte{'a', 0x80, 0xc1, 0xc2, 0xe2}
	n := 1
	for range 8 {
		n *= len(kinds)
	}
	var b [17]byte
	for _, before := range []string{"abcdefg\xc3", "\xc3\xa9\xc5\xbe\xc4\x8d\xdf\xbf", "abcdefgh"} {
		copy(b[:8], before)
		for x := range n {
			for i, k := 8, x; i < 16; i, k = i+1, k/len(kinds) {
				b[i] = kinds[k%len(kinds)]
			}
			b[16] = 0x80
			for _, s := range []string{string(b[:16]), string(b[:]), string(b[8:16])} {
				if got, want := validUTF8(s), utf8.ValidString(s); got != want {
					t.Fatalf("% x: validUTF8 %v, utf8.ValidString %v", s, got, want)
				}
			}
		}
	}
}

// usualTimestamp, ParseTimestamp's quick check, must accept only what the
// general parser accepts, and accept what it accepts in the quick check's
// layout (so that mluvii's timestamps never take the slow path); random
// edits of timestamps probe its separator, digit and range checks.
func TestUsualTimestampAgreesWithGeneral(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	picks := []byte("0123456789-:T.Zz+ t/\x00\xff\xfa")
	seeds := []string{"2024-11-05T14:22:31.118204", "2024-02-29T00:00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999z", "2023-02-28T23:59:59.1"}
	for range 300000 {
		checkUsualTimestamp(t, editedTimestamp(rng, seeds, picks, 1+rng.Intn(3)))
	}
}

// checkUsualTimestamp compares usualTimestamp with the general parser on s.
func checkUsualTimestamp(t *testing.T, s string) {
	t.Helper()
	_, hasOffset, err := parseTimestamp(s)
	if quick := usualTimestamp(s); quick && err != nil {
		t.Fatalf("%q: the quick check accepts it, the general parser says %v", s, err)
	} else if !quick && err == nil && inUsualLayout(s, hasOffset) {
		t.Fatalf("%q: the general parser accepts it, the quick check does not", s)
	}
}

// inUsualLayout reports whether s, a valid timestamp, is of the layout the
// quick check reads: 'T' between date and time, at most 9 fractional digits
// (the general parser's limit too), and no offset but Z.
func inUsualLayout(s string, hasOffset bool) bool {
	return s[10] == 'T' && (!hasOffset || s[len(s)-1] == 'Z' || s[len(s)-1] == 'z')
}

// FuzzUsualTimestamp checks ParseTimestamp's quick path against its general
// parser, and validUTF8 against utf8.ValidString, on any text.
func FuzzUsualTimestamp(f *testing.F) {
	for _, s := range []string{"2024-11-05T14:22:31.118204", "2024-02-29T00:00:00Z", "2020-09-09T10:03:53.4976861+02:00", "Dobrý den, doručení"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validUTF8(s), utf8.ValidString(s); got != want {
			t.Fatalf("%q: validUTF8 %v, utf8.ValidString %v", s, got, want)
		}
		checkUsualTimestamp(t, s)
	})
}

// rawString checks a plain string's UTF-8 as it scans it; it must return the
// string as it is (the body's memory) when it is valid UTF-8, and with each
// invalid byte replaced by U+FFFD otherwise, as encoding/json does, whatever
// the string's length and wherever a sequence meets a word boundary.
func TestRawStringUTF8(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	runes := []rune("aZ ,.čšřžýáíéúůďťňČŠŘ€😀\u0080\u07ff\u0800")
	picks := []byte{'a', 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff}
	for range 300000 {
		b := randomText(rng, 30, runes, picks)
		s := string(b)
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s))
		}
		body := `"` + s + `"` + strings.Repeat(" ", rng.Intn(9)) // the string ends anywhere in a word
		r := newJSONReader(body)
		got := r.rawString()
		if r.err != nil || got != want || r.pos != len(s)+2 {
			t.Fatalf("% x: rawString %q (pos %d, %v), want %q", b, got, r.pos, r.err, want)
		}
		if want == s && len(s) > 0 && unsafe.StringData(got) != unsafe.StringData(body[1:]) {
			t.Fatalf("% x: valid text was copied", b)
		}
	}
}

// Time builds the instant from a decoded timestamp's text on each call; for
// an offset of whole quarter hours, which real zones use, it must not make a
// new zone each time, and it must return the same time.Time on every call.
func TestTimeReusesQuarterHourZones(t *testing.T) {
	for _, s := range []string{"2020-09-09T10:03:53.4976861+05:30", "2020-09-09T10:03:53-09:45", "2020-09-09T10:03:53+02:00", "2020-09-09T10:03:53-23:45"} {
		ts, err := ParseTimestamp(s)
		if err != nil {
			t.Fatal(err)
		}
		first := ts.Time()
		if allocs := testing.AllocsPerRun(100, func() { _ = ts.Time() }); allocs != 0 {
			t.Errorf("%s: Time allocates %v times per call", s, allocs)
		}
		if again := ts.Time(); again != first {
			t.Errorf("%s: Time %#v, then %#v", s, first, again)
		}
	}
	// Any other offset still gets its own, right zone.
	ts, _ := ParseTimestamp("2020-09-09T10:03:53+05:31")
	if _, off := ts.Time().Zone(); off != 5*3600+31*60 {
		t.Errorf("offset %d", off)
	}
}

// Decode reads a timestamp of mluvii's usual layout in place in the body and
// any other through the string reader; either way it must accept exactly
// what ParseTimestamp accepts of the string's value, with the same text and
// instant. Random edits of timestamps, some written with escapes, probe both.
func TestDecodeTimestampAsParseTimestamp(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	picks := []byte("0123456789-:T.Zz+ t\"\\/\x00\xff")
	seeds := []string{"2024-11-05T14:22:31.118204", "2024-02-29T00:00:00", "2024-11-05T14:22:31.1182049+01:00", "9999-12-31T23:59:59.999999999z"}
	for range 100000 {
		value := editedTimestamp(rng, seeds, picks, rng.Intn(3))
		quoted, _ := json.Marshal(value)
		if rng.Intn(4) == 0 && len(value) > 0 { // the first character as an escape
			quoted = append([]byte(`"\u00`+"0123456789abcdef"[value[0]>>4:][:1]+"0123456789abcdef"[value[0]&15:][:1]), quoted[2:]...)
		}
		body := `{"activity":"Text","sessionId":1,"timestamp":` + string(quoted) + `,"text":"x"}`
		if !json.Valid(quoted) || value == "" {
			continue // the escape cut another escape, or null's counterpart
		}
		a, err := Decode([]byte(body))
		want, werr := ParseTimestamp(value)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s: Decode error %v, ParseTimestamp error %v", body, err, werr)
		}
		if err != nil {
			continue
		}
		got := a.(*Text).Timestamp
		if got != want || !got.Time().Equal(want.Time()) || got.HasOffset() != want.HasOffset() {
			t.Fatalf("%s: Decode %q (%v), ParseTimestamp %q (%v)", body, got, got.Time(), want, want.Time())
		}
	}
}

// editedTimestamp returns one of seeds with edits random changes: a byte
// replaced by, or a byte inserted from, picks, or a byte deleted.
func editedTimestamp(rng *rand.Rand, seeds []string, picks []byte, edits int) string {
	b := []byte(seeds[rng.Intn(len(seeds))])
	for range edits {
		switch i := rng.Intn(len(b) + 1); rng.Intn(3) {
		case 0:
			if i < len(b) {
				b[i] = picks[rng.Intn(len(picks))]
			}
		case 1:
			b = append(b[:i], append([]byte{picks[rng.Intn(len(picks))]}, b[i:]...)...)
		case 2:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		}
	}
	return string(b)
}

// randomText returns up to maxRunes runes of runes, UTF-8 encoded, with up
// to two of its bytes then replaced by picks.
func randomText(rng *rand.Rand, maxRunes int, runes []rune, picks []byte) []byte {
	var b []byte
	for range rng.Intn(maxRunes) {
		b = utf8.AppendRune(b, runes[rng.Intn(len(runes))])
	}
	for range rng.Intn(3) {
		if len(b) > 0 {
			b[rng.Intn(len(b))] = picks[rng.Intn(len(picks))]
		}
	}
	return b
}
