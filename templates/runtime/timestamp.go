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
	var year, month, day, hour, minute, sec int
	if y, ok := fixedDateTime(s); ok {
		// The usual layout, read at fixed positions.
		year, month, day, hour, minute, sec = y[0], y[1], y[2], y[3], y[4], y[5]
		p.i = len("2006-01-02T15:04:05")
	} else {
		year, month, day = p.num(4, '-'), p.num(2, '-'), p.num(2, 'T')
		hour, minute, sec = p.num(2, ':'), p.num(2, ':'), p.num(2, 0)
	}
	nsec := p.fraction()
	loc, offset, hasOffset := p.offset()
	if p.bad || p.i != len(s) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return Timestamp{}, fmt.Errorf("%q is not a timestamp (want YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm])", s)
	}
	if day > daysIn(month, year) {
		return Timestamp{}, fmt.Errorf("%q is not a valid date", s)
	}
	// What time.Date(year, month, …, loc) returns, without its normalisation
	// and zone lookup: the fields are in range and loc is UTC or fixed.
	unix := (daysFromCivil(year, month, day)*24+int64(hour))*3600 + int64(minute*60+sec)
	t := time.Unix(unix-int64(offset), int64(nsec)).In(loc)
	return Timestamp{t: t, text: s, hasOffset: hasOffset}, nil
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

// daysFromCivil returns the days from 1970-01-01 to the date (Howard
// Hinnant's days_from_civil); year ≥ 0.
func daysFromCivil(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := int64((month + 9) % 12)
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fixedDateTime reads the fields of s's leading "YYYY-MM-DDTHH:MM:SS";
// ok is false when s does not start so, and the general parser reads it.
func fixedDateTime(s string) (f [6]int, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return f, false
	}
	// Each digit minus '0' is at most 9 exactly when it is a digit.
	d := [14]byte{s[0] - '0', s[1] - '0', s[2] - '0', s[3] - '0', s[5] - '0', s[6] - '0', s[8] - '0',
		s[9] - '0', s[11] - '0', s[12] - '0', s[14] - '0', s[15] - '0', s[17] - '0', s[18] - '0'}
	if max(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13]) > 9 {
		return f, false
	}
	f[0] = int(d[0])*1000 + int(d[1])*100 + int(d[2])*10 + int(d[3])
	for k := 1; k < 6; k++ {
		f[k] = int(d[2*k+2])*10 + int(d[2*k+3])
	}
	return f, true
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

// offset reads the zone: its location, its offset in seconds east of UTC,
// and whether the text has one.
func (p *tsParser) offset() (*time.Location, int, bool) {
	if p.i >= len(p.s) {
		return time.UTC, 0, false
	}
	switch p.s[p.i] {
	case 'Z', 'z':
		p.i++
		return time.UTC, 0, true
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
		offset := sign * (h*3600 + m*60)
		return time.FixedZone("", offset), offset, true
	}
	p.bad = true
	return time.UTC, 0, false
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
