package mluviitest

import (
	"context"
	"fmt"
	"sync"
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
