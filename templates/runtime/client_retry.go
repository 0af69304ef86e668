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

// backoff returns the delay before retry n (1 for the first retry), at least
// retryAfter.
func (p RetryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	ceiling := p.MaxDelay
	if n < 32 { // beyond that the shift overflows; the cap applies anyway
		if d := p.BaseDelay << (n - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
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
