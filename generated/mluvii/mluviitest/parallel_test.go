package mluviitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// Servers share nothing: many run in parallel tests, each with its own bot,
// sessions, tokens and faults.
func TestParallelServers(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			srv := NewServer(t, WithChatbotID(int64(100+i)), WithCredentials(fmt.Sprint("id", i), fmt.Sprint("secret", i)))
			newTestBot(t, srv, greeter)
			for range 5 {
				sess, err := srv.StartConversation(mluvii.ChannelWebChat)
				if err != nil {
					t.Fatal(err)
				}
				sess.ExpectHandOff()
			}
			if n := len(srv.Sessions()); n != 5 {
				t.Errorf("server %d has %d sessions", i, n)
			}
			if n := srv.TokensIssued(); n != 1 {
				t.Errorf("server %d issued %d tokens", i, n)
			}
			srv.AssertNoRejections()
		})
	}
}

// replier answers a guest Text with a Text and a GetCallParams.
func replier(b *testBot, a mluvii.Activity) {
	tx, ok := a.(*mluvii.Text)
	if !ok {
		return
	}
	err := b.sendActivity(&mluvii.Text{SessionID: tx.SessionID, Text: "echo: " + tx.Text})
	if err == nil {
		err = b.sendActivity(&mluvii.GetCallParams{SessionID: tx.SessionID})
	}
	if err != nil {
		b.t.Errorf("bot: %v", err)
	}
}

// BenchmarkConcurrentSessions runs 1 000 scripted sessions at once: each
// guest Text is answered by the bot with a Text and a GetCallParams, whose
// response the fake delivers. The reported s/op covers the Text rounds of all
// 1 000 sessions (starting them is measured apart, as start-s/op).
func BenchmarkConcurrentSessions(b *testing.B) {
	const sessions = 1000
	var startTotal time.Duration
	for b.Loop() {
		b.StopTimer()
		srv := NewServer(b)
		newTestBot(b, srv, replier)
		t0 := time.Now()
		all := make([]*Session, sessions)
		var wg sync.WaitGroup
		for i := range all {
			wg.Go(func() {
				sess, err := srv.StartConversation(mluvii.ChannelWebChat)
				if err != nil {
					b.Error(err)
				}
				all[i] = sess
			})
		}
		wg.Wait()
		startTotal += time.Since(t0)
		b.StartTimer()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for _, sess := range all {
			wg.Go(func() {
				if err := sess.Text("hi"); err != nil {
					b.Error(err)
					return
				}
				if _, err := sess.WaitForText(ctx, "echo: hi"); err != nil {
					b.Error(err)
				}
				if _, err := sess.WaitDelivered(ctx, "GetCallParamsResponse"); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		cancel()
		b.StopTimer()
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(startTotal.Seconds()/float64(b.N), "start-s/op")
	b.ReportMetric((b.Elapsed()+startTotal).Seconds()/float64(b.N), "total-s/op")
	b.ReportMetric(float64(sessions), "sessions/op")
}

// BenchmarkMockConversations starts and ends conversations, 64 at a time,
// with an ack-only bot and the default options (on a fake clock, to pass the
// retention without waiting). It reports conversations/s; kept-B/session,
// the heap each ended session the fake still keeps takes (the last
// DefaultEndedSessionsKept); and retained-B/conv, the heap left per
// conversation once the retention has passed.
//
//	go test ./generated/mluvii/mluviitest -run '^$' -bench MockConversations -benchtime 20000x
func BenchmarkMockConversations(b *testing.B) {
	clock := NewFakeClock(time.Now())
	srv := NewServer(b, WithClock(clock))
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer bot.Close()
	srv.SetCallbackURL(bot.URL)
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before := heap()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	t0 := time.Now()
	for range 64 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				sess, err := srv.StartConversation(mluvii.ChannelWebChat)
				if err != nil {
					b.Error(err)
					return
				}
				if err := sess.End(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	kept := srv.Stats().EndedSessions
	withKept := heap()
	clock.Advance(DefaultSessionRetention)
	if st := srv.Stats(); st.EndedSessions != 0 || st.ReleasedSessions != b.N {
		b.Errorf("after the retention: %+v", st)
	}
	after := heap()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "conversations/s")
	if kept > 0 {
		b.ReportMetric(float64(withKept-after)/float64(kept), "kept-B/session")
	}
	b.ReportMetric(float64(after-before)/float64(b.N), "retained-B/conv")
}
