package mluviitest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// waitTimers waits until the fake clock has n pending timers.
func waitTimers(t *testing.T, clock *FakeClock, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); clock.Waiters() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("clock has %d timers, want %d", clock.Waiters(), n)
		}
	}
}

func countDelivered(sess *Session, name string) (delivered, dropped int) {
	for _, e := range sess.Transcript() {
		if e.Dir == ToBot && e.Name == name {
			if e.Status != 0 {
				delivered++
			} else if strings.Contains(e.Err, "dropped") {
				dropped++
			}
		}
	}
	return
}

func TestFaultStatusOnBotActivity(t *testing.T) {
	t.Parallel()
	srv, bot, sess := start(t, WithFault("GetCallParams", Fault{Status: 503, Times: 1}))
	err := bot.send(sess.ID(), "GetCallParams", nil)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("first GetCallParams: %v, want 503", err)
	}
	if err := bot.send(sess.ID(), "GetCallParams", nil); err != nil {
		t.Fatalf("second GetCallParams: %v", err)
	}
	waitDelivered(t, sess, "GetCallParamsResponse")
	if rej := srv.Rejected(); len(rej) != 1 || rej[0].Status != 503 || !strings.Contains(rej[0].Note, "status 503") {
		t.Errorf("Rejected = %v", rej)
	}
	if n, _ := countDelivered(sess, "GetCallParamsResponse"); n != 1 {
		t.Errorf("%d responses, want 1 (the failed request has no effect)", n)
	}
}

func TestFaultDelayOnBotActivity(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Now())
	_, bot, sess := start(t, WithClock(clock), WithFault("Text", Fault{Delay: time.Minute, Direction: FromBot}))
	done := make(chan error, 1)
	go func() { done <- bot.send(sess.ID(), "Text", map[string]any{"text": "slow"}) }()
	waitTimers(t, clock, 1)
	select {
	case err := <-done:
		t.Fatalf("answered before the delay: %v", err)
	default:
	}
	clock.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sess.AssertBotSaid("slow")
}

func TestFaultDropOnBotActivity(t *testing.T) {
	t.Parallel()
	_, bot, sess := start(t, WithFault("SetTag", Fault{Drop: true}), WithFault("GetCallParams", Fault{Drop: true}))
	if err := bot.send(sess.ID(), "SetTag", map[string]any{"name": "vip"}); err != nil {
		t.Fatal(err)
	}
	if err := bot.send(sess.ID(), "GetCallParams", nil); err != nil {
		t.Fatal(err)
	}
	if err := bot.send(sess.ID(), "SetTag", map[string]any{"name": "vip"}); err != nil {
		t.Fatal(err)
	}
	if tags := sess.State().Tags; len(tags) != 0 {
		t.Errorf("dropped SetTag changed tags: %v", tags)
	}
	sess.Expect("GetCallParams") // the bot did send it…
	if n, _ := countDelivered(sess, "GetCallParamsResponse"); n != 0 {
		t.Errorf("dropped request answered %d times", n) // …but mluvii lost it
	}
}

func TestFaultDuplicateOnBotRequest(t *testing.T) {
	t.Parallel()
	_, bot, sess := start(t, WithFault("GetCallParams", Fault{Duplicate: true, Times: 1}))
	if err := bot.send(sess.ID(), "GetCallParams", nil); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, sess, "GetCallParamsResponse")
	waitDelivered(t, sess, "GetCallParamsResponse")
}

func TestFaultsOnDeliveries(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Now())
	srv, bot, sess := start(t, WithClock(clock))

	srv.SetFault("GetCallParamsResponse", Fault{Drop: true, Times: 1})
	_ = bot.send(sess.ID(), "GetCallParams", nil)
	srv.SetFault("SetCallParamsResponse", Fault{Delay: 30 * time.Second, Times: 1})
	_ = bot.send(sess.ID(), "SetCallParams", map[string]any{"callParams": map[string]string{"a": "b"}})
	_ = bot.send(sess.ID(), "GetCallParams", nil) // not dropped: Times was 1
	waitDelivered(t, sess, "GetCallParamsResponse")
	if _, dropped := countDelivered(sess, "GetCallParamsResponse"); dropped != 1 {
		t.Errorf("dropped = %d, want 1", dropped)
	}
	waitTimers(t, clock, 1)
	if n, _ := countDelivered(sess, "SetCallParamsResponse"); n != 0 {
		t.Errorf("delayed response delivered early")
	}
	clock.Advance(30 * time.Second)
	waitDelivered(t, sess, "SetCallParamsResponse")

	srv.SetFault("Text", Fault{Duplicate: true, Direction: ToBot})
	if err := sess.Text("hello twice"); err != nil {
		t.Fatal(err)
	}
	texts := 0
	for _, a := range bot.received() {
		if tx, ok := a.(*mluvii.Text); ok && tx.Text == "hello twice" {
			texts++
		}
	}
	if texts != 2 {
		t.Errorf("bot got the duplicated Text %d times", texts)
	}
	srv.ClearFaults()
}

func TestTokenFaults(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Now())
	srv := NewServer(t, WithClock(clock), WithTokenFault(Fault{Status: 503, Times: 1}))
	if code, m := postForm(t, srv, creds(srv)); code != 503 || m["error"] != "temporarily_unavailable" {
		t.Errorf("token fault: %d %v", code, m)
	}
	if code, _ := postForm(t, srv, creds(srv)); code != 200 {
		t.Errorf("after the fault: %d", code)
	}
	srv.SetTokenFault(Fault{Drop: true})
	if _, err := (&testBot{srv: srv, client: srv.client}).getToken(); err == nil {
		t.Error("dropped token request succeeded")
	}
	srv.SetTokenFault(Fault{Delay: time.Minute, Times: 1})
	done := make(chan int, 1)
	go func() {
		code, _ := postFormNoT(srv, creds(srv))
		done <- code
	}()
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	if code := <-done; code != 200 {
		t.Errorf("delayed token: %d", code)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("TokensIssued = %d, want 2", n)
	}
}

func postFormNoT(srv *Server, form url.Values) (int, error) {
	resp, err := srv.client.PostForm(srv.URL+"/login/connect/token", form)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// mluvii disables a bot whose callback keeps failing for over 15 minutes.
func TestBotDisabledAfterFailingAcks(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock))
	bot := newTestBot(t, srv, nil)
	bot.setStatus(500)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err == nil {
		t.Fatal("a 500 from the bot is not an error")
	}
	clock.Advance(15 * time.Minute)
	if err := sess.Text("still failing"); err == nil || srv.Disabled() {
		t.Fatalf("disabled after exactly 15 minutes (err %v)", err)
	}
	clock.Advance(time.Second)
	_ = sess.Text("failing for over 15 minutes")
	if !srv.Disabled() {
		t.Fatal("not disabled")
	}
	bot.setStatus(200)
	if err := sess.Text("hello?"); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("delivery to a disabled bot: %v", err)
	}
	if err := bot.send(sess.ID(), "Text", map[string]any{"text": "hi"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("disabled bot's POST: %v", err)
	}
	srv.Enable()
	if err := sess.Text("back"); err != nil {
		t.Errorf("after Enable: %v", err)
	}
}

// An ack slower than the 2-second budget counts as a failure, and a success
// in between restarts the 15 minutes.
func TestSlowAckCountsAsFailure(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Now())
	srv := NewServer(t, WithClock(clock))
	slow := true
	bot := newTestBot(t, srv, nil)
	bot.ts.Config.Handler = wrapSlow(bot.ts.Config.Handler, clock, &slow)
	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err == nil || !strings.Contains(err.Error(), "after 3s; mluvii requires an ack within 2s") {
		t.Fatalf("slow ack: %v", err)
	}
	clock.Advance(10 * time.Minute)
	slow = false
	if err := sess.Text("fast"); err != nil {
		t.Fatal(err)
	}
	slow = true
	clock.Advance(10 * time.Minute)
	_ = sess.Text("slow again")
	if srv.Disabled() {
		t.Error("disabled although an ack succeeded within the last 15 minutes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := sess.WaitDelivered(ctx, "Text"); err != nil {
		t.Error(err)
	}
}
