package mluviitest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// botPost posts a raw body with a fresh token, as a bot would.
func (s *Server) botPost(t testing.TB, body string) (int, string) {
	t.Helper()
	b := &testBot{t: t, srv: s, client: s.client}
	return b.mustPost(body)
}

func realAfter(d time.Duration) <-chan time.Time { return time.After(d) }

// body fills the session id into a template.
func body(sess *Session, tmpl string) string {
	return strings.ReplaceAll(tmpl, "SID", itoa(sess.ID()))
}

func start(t *testing.T, opts ...Option) (*Server, *testBot, *Session) {
	t.Helper()
	srv := NewServer(t, opts...)
	bot := newTestBot(t, srv, nil)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	return srv, bot, sess
}

// waitDelivered waits until the fake has delivered the named activity to the
// bot in sess, and returns its entry.
func waitDelivered(t testing.TB, sess *Session, name string) Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e, err := sess.WaitDelivered(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
