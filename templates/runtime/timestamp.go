package mluvii

import (
	"fmt"
	"time"
)

// Timestamp is a point in time as mluvii writes it. mluvii sends timestamps
// without a UTC offset ("2020-09-09T10:03:46.792954") and does not say which
// zone they are in, and expects the .NET round-trip form with an offset from
// bots. A Timestamp keeps the text it was decoded from, so it marshals back
// unchanged, and never moves an offset-less wall clock into another zone.
type Timestamp struct {
	t         time.Time
	text      string
	hasOffset bool
}

// TimestampOf returns t as a Timestamp; it marshals in the .NET round-trip
// form mluvii's own samples send, e.g. 2020-09-09T10:03:53.4976861+02:00.
func TimestampOf(t time.Time) Timestamp { return Timestamp{t: t, hasOffset: true} }

// Now returns the current time as a Timestamp.
func Now() Timestamp { return TimestampOf(time.Now()) }

// roundTripLayout is .NET's "o" format.
const roundTripLayout = "2006-01-02T15:04:05.0000000Z07:00"

// ParseTimestamp parses an ISO 8601 date-time: YYYY-MM-DDTHH:MM:SS with 0–9
// fractional digits and an optional Z or ±HH:MM offset.
func ParseTimestamp(s string) (Timestamp, error) {
	p := tsParser{s: s}
	year, month, day := p.num(4, '-'), p.num(2, '-'), p.num(2, 'T')
	hour, minute, sec := p.num(2, ':'), p.num(2, ':'), p.num(2, 0)
	nsec := p.fraction()
	loc, hasOffset := p.offset()
	if p.bad || p.i != len(s) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return Timestamp{}, fmt.Errorf("%q is not a timestamp (want YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm])", s)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day {
		return Timestamp{}, fmt.Errorf("%q is not a valid date", s)
	}
	return Timestamp{t: t, text: s, hasOffset: hasOffset}, nil
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

func (p *tsParser) offset() (*time.Location, bool) {
	if p.i >= len(p.s) {
		return time.UTC, false
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return time.UTC, true
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
		return time.FixedZone("", sign*(h*3600+m*60)), true
	}
	p.bad = true
	return time.UTC, false
}

// Time returns the instant. Without an offset on the wire it is the wall
// clock as sent, in UTC (see HasOffset).
func (ts Timestamp) Time() time.Time { return ts.t }

// HasOffset reports whether the timestamp carried a zone (Z or ±hh:mm).
// mluvii's own webhook timestamps do not.
func (ts Timestamp) HasOffset() bool { return ts.hasOffset }

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
