package mluvii

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// RetryPolicy says how calls that are safe to repeat are retried after a
// network error, a 429 or a 5xx: capped exponential backoff with full jitter
// (a random delay between 0 and min(MaxDelay, BaseDelay·2ⁿ)), at least the
// delay a Retry-After header asks for, at most MaxAttempts attempts, and never
// past the context's end. A Retry-After longer than MaxRetryAfter ends the
// retries at once, so that a call without a deadline cannot sleep for hours.
//
// Retry-After is read as delay seconds (leniently: a leading '+' or a
// fraction is accepted) or an HTTP date, and is at most 24 h: a larger value,
// even one too large for any integer type, counts as 24 h, not as 0.
//
// Any field values are safe: zero or negative ones take their defaults, and
// huge ones (up to math.MaxInt64) neither overflow nor panic; the backoff then
// grows until MaxDelay, and a wait that would outlast the context ends the
// call at once.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too; 1 disables retries. Default 4.
	MaxAttempts int
	// BaseDelay is the backoff before jitter of the first retry. Default 100 ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff (not a Retry-After). Default 5 s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After that is waited for; after a
	// longer one the call fails with the *APIError, whose RetryAfter says
	// what mluvii asked for. Default 1 min.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is used when WithRetryPolicy is not given.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second,
	MaxRetryAfter: time.Minute}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultRetryPolicy.MaxRetryAfter
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return p
}

// backoff returns the delay before retry n (1 for the first retry; less
// counts as 1), at least retryAfter: a random delay in [0, ceiling] with
// ceiling = min(MaxDelay, BaseDelay·2ⁿ⁻¹), computed without overflow for any
// values (negative ones count as 0).
func (p RetryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	ceiling := max(p.MaxDelay, 0)
	base := max(p.BaseDelay, 0)
	shift := uint(max(n, 1) - 1)
	// base<<shift ≤ ceiling exactly when base ≤ ceiling>>shift, and then the
	// shift cannot overflow; from a shift of 63 on, only base 0 fits.
	switch {
	case base == 0:
		ceiling = 0
	case shift < 63 && base <= ceiling>>shift:
		ceiling = base << shift
	}
	// uint64(ceiling)+1 ≤ 2⁶³: no overflow, and the draw fits a Duration.
	d := time.Duration(rand.Uint64N(uint64(ceiling) + 1))
	return max(d, retryAfter)
}

// maxRetryAfterHeader caps what a Retry-After header can ask for; a larger
// value (or one too large to parse) counts as this. It is far above any
// sensible MaxRetryAfter, so such a call fails at once with the *APIError.
const maxRetryAfterHeader = 24 * time.Hour

// retryAfter parses a Retry-After header: delay seconds or an HTTP date, at
// most maxRetryAfterHeader. Seconds are read leniently (a leading '+', a
// fraction); a number too large for any integer type still means "very long",
// not 0. A value that is neither, or in the past, is 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if d, ok := parseDelaySeconds(v); ok {
		return d
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfterHeader) // Sub saturates rather than overflows
	}
	return 0
}

// parseDelaySeconds parses [+|-]digits[.digits] (at least one digit) as
// seconds, capped at maxRetryAfterHeader; negative values are 0. Digits beyond
// the nanosecond are dropped.
func parseDelaySeconds(v string) (time.Duration, bool) {
	neg := false
	if v[0] == '+' || v[0] == '-' {
		neg = v[0] == '-'
		v = v[1:]
	}
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" && frac == "" || !isDigits(whole) || !isDigits(frac) {
		return 0, false
	}
	if neg {
		return 0, true
	}
	const maxSecs = int64(maxRetryAfterHeader / time.Second)
	var secs int64
	for i := 0; i < len(whole); i++ {
		secs = secs*10 + int64(whole[i]-'0')
		if secs >= maxSecs {
			return maxRetryAfterHeader, true
		}
	}
	d := time.Duration(secs) * time.Second
	for i, unit := 0, time.Second/10; i < len(frac) && unit > 0; i, unit = i+1, unit/10 {
		d += time.Duration(frac[i]-'0') * unit
	}
	return d, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
