package mluvii

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Timestamp is a point in time as mluvii writes it. mluvii sends timestamps
// without a UTC offset ("2020-09-09T10:03:46.792954") and does not say which
// zone they are in, and expects the .NET round-trip form with an offset from
// bots. A Timestamp keeps the text it was decoded from, so it marshals back
// unchanged, and never moves an offset-less wall clock into another zone.
//
// A decoded or parsed Timestamp holds only its text, checked: Time reads the
// instant from it when asked, so that decoding a webhook does not build a
// time.Time its handler may never look at.
type Timestamp struct {
	t    time.Time // the instant of one made with TimestampOf
	text string    // the wire text of one decoded or parsed, valid
}

// TimestampOf returns t as a Timestamp; it marshals in the .NET round-trip
// form mluvii's own samples send, e.g. 2020-09-09T10:03:53.4976861+02:00.
func TimestampOf(t time.Time) Timestamp { return Timestamp{t: t} }

// Now returns the current time as a Timestamp.
func Now() Timestamp { return TimestampOf(time.Now()) }

// roundTripLayout is .NET's "o" format.
const roundTripLayout = "2006-01-02T15:04:05.0000000Z07:00"

// ParseTimestamp parses an ISO 8601 date-time: YYYY-MM-DDTHH:MM:SS with 0–9
// fractional digits and an optional Z or ±HH:MM offset.
func ParseTimestamp(s string) (Timestamp, error) {
	if !usualTimestamp(s) {
		if _, _, err := parseTimestamp(s); err != nil {
			return Timestamp{}, err
		}
	}
	return Timestamp{text: s}, nil
}

// parseTimestamp is ParseTimestamp's general parser, which also says what is
// wrong. It returns the instant and whether s has an offset.
func parseTimestamp(s string) (time.Time, bool, error) {
	p := tsParser{s: s}
	var year, month, day, hour, minute, sec int
	if f, ok := fixedDateTime(s); ok {
		// The usual layout, read at fixed positions.
		year, month, day, hour, minute, sec = f.year, f.month, f.day, f.hour, f.minute, f.sec
		p.i = len("2006-01-02T15:04:05")
	} else {
		year, month, day = p.num(4, '-'), p.num(2, '-'), p.num(2, 'T')
		hour, minute, sec = p.num(2, ':'), p.num(2, ':'), p.num(2, 0)
	}
	nsec := p.fraction()
	offset, hasOffset := p.offset()
	if p.bad || p.i != len(s) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false, fmt.Errorf("%q is not a timestamp (want YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm])", s)
	}
	if day > daysIn(month, year) {
		return time.Time{}, false, fmt.Errorf("%q is not a valid date", s)
	}
	// What time.Date(year, month, …, loc) returns, without its normalisation
	// and zone lookup: the fields are in range and the zone is UTC or fixed.
	unix := (daysFromCivil(year, month, day)*24+int64(hour))*3600 + int64(minute*60+sec)
	t := time.Unix(unix-int64(offset), int64(nsec)).UTC()
	if hasOffset && s[len(s)-1] != 'Z' && s[len(s)-1] != 'z' { // ±hh:mm
		t = t.In(zoneOf(offset))
	}
	return t, hasOffset, nil
}

// quarterZones holds the zones of offsets in whole quarter hours, which is
// what real zones use (+05:30, +05:45): Time builds its time.Time from the
// text on each call, and time.FixedZone makes a new zone each time for an
// offset that is not a whole hour.
var quarterZones [2*24*4 + 1]atomic.Pointer[time.Location]

// zoneOf returns the unnamed fixed zone of offset seconds east of UTC (less
// than a day either way).
func zoneOf(offset int) *time.Location {
	if offset%900 != 0 {
		return time.FixedZone("", offset)
	}
	slot := &quarterZones[offset/900+24*4]
	if z := slot.Load(); z != nil {
		return z
	}
	z := time.FixedZone("", offset)
	slot.Store(z) // a call at the same time stores an equal zone
	return z
}

// usualTimestamp is ParseTimestamp's quick check for what mluvii sends: the
// fixed fields, a fraction of up to 9 digits and no offset or Z, all in
// range. It is false for anything else, which the general parser then reads
// and judges (so errors come from one place).
func usualTimestamp(s string) bool { return usualTimestampLen(s) == len(s) }

// usualTimestampLen returns the length of the timestamp of usualTimestamp's
// layout that s starts with, or -1. The decoder reads a timestamp in the
// body with it, without scanning it as a string first: what it accepts is
// ASCII digits and separators, which need no unescaping or UTF-8 check.
func usualTimestampLen(s string) int {
	f, ok := fixedDateTime(s)
	if !ok || f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysIn(f.month, f.year) || f.hour > 23 || f.minute > 59 || f.sec > 59 {
		return -1
	}
	i := len("2006-01-02T15:04:05")
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if digits := j - i - 1; digits == 0 || digits > 9 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'Z' || s[i] == 'z') {
		i++
	}
	return i
}

// daysIn returns the number of days of month in year (proleptic Gregorian).
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// marchDays[m] is the days from 1 March to the first of month m (1–12) in
// a year that starts in March, so that a leap day comes last.
var marchDays = [13]uint64{3: 0, 4: 31, 5: 61, 6: 92, 7: 122, 8: 153, 9: 184, 10: 214, 11: 245, 12: 275, 1: 306, 2: 337}

// daysFromCivil returns the days from 1970-01-01 to the date, a valid one
// of a year 0–9999 (after Howard Hinnant's days_from_civil). It counts from
// 400 years earlier, one whole cycle of 146097 days, so that the March-based
// year is never negative and the divisions are unsigned.
func daysFromCivil(year, month, day int) int64 {
	y := uint64(year) + 400
	if month <= 2 {
		y--
	}
	d := y*365 + y/4 - y/100 + y/400 + marchDays[month] + uint64(day) - 1
	return int64(d) - 719468 - 146097
}

// fixedDateTime reads the fields of s's leading "YYYY-MM-DDTHH:MM:SS";
// ok is false when s does not start so, and the general parser reads it.
// It checks the separators and digits of two words and three bytes at once.
func fixedDateTime(s string) (f dateTime, ok bool) {
	if len(s) < 19 {
		return f, false
	}
	// "YYYY-MM-", "DDTHH:MM" and ":SS" as little-endian words.
	a, b := le64(s[0:8]), le64(s[8:16])
	c := uint64(s[16]) | uint64(s[17])<<8 | uint64(s[18])<<16
	const (
		aSep, aWant = 0xff<<56 | 0xff<<32, '-'<<56 | '-'<<32
		bSep, bWant = 0xff<<40 | 0xff<<16, ':'<<40 | 'T'<<16
	)
	if a&aSep != aWant || b&bSep != bWant || byte(c) != ':' ||
		!digitBytes(a, ^uint64(aSep)) || !digitBytes(b, ^uint64(bSep)) || !digitBytes(c, 0xffff00) {
		return f, false
	}
	// Only the digits lose their '0': a separator would borrow from the next byte.
	a -= '0' * loBits &^ aSep
	b -= '0' * loBits &^ bSep
	c -= '0' * 0x010100
	digit := func(w uint64, k int) int { return int(byte(w >> (8 * k))) }
	return dateTime{
		year:   digit(a, 0)*1000 + digit(a, 1)*100 + digit(a, 2)*10 + digit(a, 3),
		month:  digit(a, 5)*10 + digit(a, 6),
		day:    digit(b, 0)*10 + digit(b, 1),
		hour:   digit(b, 3)*10 + digit(b, 4),
		minute: digit(b, 6)*10 + digit(b, 7),
		sec:    digit(c, 1)*10 + digit(c, 2),
	}, true
}

// dateTime holds the fields of a timestamp's "YYYY-MM-DDTHH:MM:SS" (a
// struct, not an array, so that it is returned in registers).
type dateTime struct{ year, month, day, hour, minute, sec int }

// digitBytes reports whether the bytes of w that mask selects (0xff each)
// are ASCII digits: 0x30–0x3f that stay below 0x40 when 6 is added. A byte
// outside mask of 0xfa or more carries into the next one and may make a
// digit fail, never a non-digit pass; fixedDateTime checks those bytes first.
func digitBytes(w, mask uint64) bool {
	hi, want := 0xf0*loBits&mask, 0x30*loBits&mask
	return w&hi == want && (w+6*loBits)&hi == want
}

type tsParser struct {
	s   string
	i   int
	bad bool
}

// num reads n digits followed by sep (0: no separator; 'T' also accepts 't'
// and a space).
func (p *tsParser) num(n int, sep byte) int {
	v := 0
	for k := 0; k < n; k++ {
		if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
			p.bad = true
			return 0
		}
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if sep != 0 {
		if p.i >= len(p.s) || (p.s[p.i] != sep && !(sep == 'T' && (p.s[p.i] == 't' || p.s[p.i] == ' '))) {
			p.bad = true
			return 0
		}
		p.i++
	}
	return v
}

func (p *tsParser) fraction() int {
	if p.i >= len(p.s) || p.s[p.i] != '.' {
		return 0
	}
	p.i++
	nsec, digits := 0, 0
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		if digits < 9 {
			nsec = nsec*10 + int(p.s[p.i]-'0')
		}
		digits++
		p.i++
	}
	if digits == 0 || digits > 9 {
		p.bad = true
	}
	for ; digits < 9; digits++ {
		nsec *= 10
	}
	return nsec
}

// offset reads the zone: its offset in seconds east of UTC, and whether the
// text has one.
func (p *tsParser) offset() (int, bool) {
	if p.i >= len(p.s) {
		return 0, false
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return 0, true
	case '+', '-':
		sign := 1
		if p.s[p.i] == '-' {
			sign = -1
		}
		p.i++
		h, m := p.num(2, ':'), p.num(2, 0)
		if h > 23 || m > 59 {
			p.bad = true
		}
		return sign * (h*3600 + m*60), true
	}
	p.bad = true
	return 0, false
}

// Time returns the instant. Without an offset on the wire it is the wall
// clock as sent, in UTC (see HasOffset); with ±hh:mm, it is in a fixed zone
// of that offset. A decoded Timestamp reads it from its text on each call.
func (ts Timestamp) Time() time.Time {
	if ts.text == "" {
		return ts.t
	}
	t, _, _ := parseTimestamp(ts.text) // valid: only ParseTimestamp and the decoder set text
	return t
}

// HasOffset reports whether the timestamp carried a zone (Z or ±hh:mm), as
// one made with TimestampOf does unless it is zero. mluvii's own webhook
// timestamps do not.
func (ts Timestamp) HasOffset() bool {
	if ts.text == "" {
		return !ts.t.IsZero()
	}
	_, hasOffset, _ := parseTimestamp(ts.text)
	return hasOffset
}

// IsZero reports whether the timestamp is unset.
func (ts Timestamp) IsZero() bool { return ts.text == "" && ts.t.IsZero() }

// String returns the wire text: as received, or the round-trip form.
func (ts Timestamp) String() string {
	if ts.text != "" || ts.t.IsZero() {
		return ts.text
	}
	return ts.t.Format(roundTripLayout)
}

// MarshalJSON writes the wire text.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	if ts.IsZero() {
		return []byte("null"), nil
	}
	return appendString(nil, ts.String()), nil
}

// UnmarshalJSON reads a timestamp string; null leaves it zero.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	r := newJSONReader(string(b))
	v := r.timestamp()
	r.end()
	if r.err != nil {
		r.err.Body = b
		return r.err
	}
	*ts = v
	return nil
}
