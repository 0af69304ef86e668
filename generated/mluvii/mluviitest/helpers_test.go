package mluviitest

import (
	"strconv"
	"testing"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// botPost posts a raw body with a fresh token, as a bot would.
func (s *Server) botPost(t testing.TB, body string) (int, string) {
	t.Helper()
	b := &testBot{t: t, srv: s, client: s.client}
	return b.mustPost(body)
}

func realAfter(d time.Duration) <-chan time.Time { return time.After(d) }
