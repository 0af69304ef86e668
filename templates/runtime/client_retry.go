//go:build mluviigen

package mluvii

import (
	"math/rand/v2"
	"net/http"
	"strconv"
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

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
