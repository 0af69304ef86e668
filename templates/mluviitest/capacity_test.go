package mluviitest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startEnd starts n conversations with the bot and ends them from the
// guest's side, workers at a time.
func startEnd(t testing.TB, srv *Server, n, workers int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				sess, err := srv.StartConversation("WebChat")
				if err != nil {
					t.Error(err)
					return
				}
				if err := sess.End(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// With the defaults, 5 000 ended conversations leave at most the last 1 000
// sessions, and none once the retention has passed on the server's clock;
// the server's transcript keeps only the entries of the sessions it keeps.
func TestEndedSessionsReleased(t *testing.T) {
	t.Parallel()
	const n = 5000
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock))
	newTestBot(t, srv, nil)
	startEnd(t, srv, n, 8)
	last := srv.Sessions()[len(srv.Sessions())-1]

	st := srv.Stats()
	if st.EndedSessions > DefaultEndedSessionsKept || st.OpenSessions != 0 || st.ReleasedSessions != n-st.EndedSessions {
		t.Errorf("after %d ended conversations: %+v; want at most %d ended sessions kept", n, st, DefaultEndedSessionsKept)
	}
	if got := len(srv.Sessions()); got > DefaultEndedSessionsKept {
		t.Errorf("Sessions() holds %d sessions", got)
	}
	if got := len(srv.Transcript()); got > 2*DefaultEndedSessionsKept { // ConversationStarted, ConversationEnded
		t.Errorf("the transcript holds %d entries for %d kept sessions", got, st.EndedSessions)
	}

	clock.Advance(DefaultSessionRetention)
	st = srv.Stats()
	if st.EndedSessions != 0 || st.ReleasedSessions != n || st.TranscriptEntries != 0 {
		t.Errorf("after the retention: %+v; want every session and entry released", st)
	}
	if got := len(srv.Transcript()); got != 0 {
		t.Errorf("the transcript holds %d entries", got)
	}
	if srv.Session(last.ID()) != nil {
		t.Errorf("session %d still found", last.ID())
	}
	// A handle the test holds keeps working.
	if st := last.State(); !st.Ended || len(last.Transcript()) != 2 {
		t.Errorf("released session's handle: %+v, %d entries", st, len(last.Transcript()))
	}
	if err := last.Text("hello?"); err == nil {
		t.Error("Text in a released session: no error")
	}
}

func TestRetentionOptions(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock), WithEndedSessionsKept(10), WithSessionRetention(time.Minute), WithTokenExpiry(48*time.Hour))
	bot := newTestBot(t, srv, nil)
	var open []*Session
	for range 3 {
		sess, err := srv.StartConversation("WebChat")
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, sess)
	}
	startEnd(t, srv, 50, 4)
	if st := srv.Stats(); st.EndedSessions != 10 || st.OpenSessions != 3 || st.ReleasedSessions != 40 {
		t.Errorf("with 10 kept: %+v", st)
	}
	// The bot ends one; its session is kept until the retention passes.
	if err := bot.send(open[0].ID(), "HandOff", nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute - time.Second)
	if st := srv.Stats(); st.EndedSessions != 10 || st.OpenSessions != 2 || st.ReleasedSessions != 41 {
		t.Errorf("before the retention: %+v", st)
	}
	clock.Advance(time.Second)
	if st := srv.Stats(); st.EndedSessions != 0 || st.OpenSessions != 2 || st.ReleasedSessions != 51 {
		t.Errorf("after the retention: %+v", st)
	}
	// Open sessions are never released, and the bot still acts in them.
	clock.Advance(24 * time.Hour)
	if srv.Session(open[1].ID()) == nil || srv.Session(open[2].ID()) == nil {
		t.Fatal("open sessions released")
	}
	if err := bot.send(open[1].ID(), "Typing", map[string]any{"show": true}); err != nil {
		t.Error(err)
	}
	// The bot acting in a released session is told it is unknown.
	if err := bot.send(open[0].ID(), "Typing", map[string]any{"show": true}); err == nil || !strings.Contains(err.Error(), "unknown session") {
		t.Errorf("Typing in a released session: %v", err)
	}

	all := NewServer(t, WithClock(clock), WithEndedSessionsKept(-1), WithSessionRetention(0))
	newTestBot(t, all, nil)
	startEnd(t, all, 30, 4)
	clock.Advance(24 * time.Hour)
	if st := all.Stats(); st.EndedSessions != 30 || st.TranscriptEntries != 60 {
		t.Errorf("unbounded: %+v", st)
	}

	none := NewServer(t, WithClock(clock), WithEndedSessionsKept(0))
	newTestBot(t, none, nil)
	startEnd(t, none, 30, 4)
	if st := none.Stats(); st.EndedSessions != 0 || st.ReleasedSessions != 30 || st.TranscriptEntries != 0 {
		t.Errorf("none kept: %+v", st)
	}
}

// The server's transcript keeps its last entries; Seq goes on counting and
// Watch resumes from the first entry kept.
func TestTranscriptLimit(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithTranscriptLimit(100))
	newTestBot(t, srv, nil)
	for range 250 {
		if err := srv.Ping(); err != nil {
			t.Fatal(err)
		}
	}
	tr := srv.Transcript()
	if len(tr) != 100 || tr[0].Seq != 151 || tr[99].Seq != 250 {
		t.Fatalf("transcript: %d entries, Seq %d…%d", len(tr), tr[0].Seq, tr[len(tr)-1].Seq)
	}
	if got, _ := srv.Watch(1); len(got) != 100 || got[0].Seq != 151 {
		t.Errorf("Watch(1): %d entries from %d", len(got), got[0].Seq)
	}
	if got, _ := srv.Watch(200); len(got) != 51 || got[0].Seq != 200 {
		t.Errorf("Watch(200): %d entries from %d", len(got), got[0].Seq)
	}
	if got, _ := srv.Watch(251); len(got) != 0 {
		t.Errorf("Watch(251): %d entries", len(got))
	}
	if st := srv.Stats(); st.TranscriptEntries != 100 {
		t.Errorf("Stats: %+v", st)
	}
}

// Expired tokens are forgotten, and at most WithMaxTokens are remembered.
func TestTokensPruned(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock), WithTokenExpiry(time.Hour))
	for range 5000 {
		srv.Token()
	}
	if st := srv.Stats(); st.Tokens > DefaultMaxTokens {
		t.Errorf("%d tokens remembered", st.Tokens)
	}
	clock.Advance(time.Hour)
	fresh := srv.Token()
	if st := srv.Stats(); st.Tokens != 1 {
		t.Errorf("after expiry: %d tokens remembered, want 1", st.Tokens)
	}
	if code := putCallback(t, srv, fresh); code != 200 {
		t.Errorf("fresh token: %d", code)
	}

	capped := NewServer(t, WithClock(clock), WithMaxTokens(100))
	first := capped.Token()
	var last string
	for range 500 {
		last = capped.Token()
	}
	if st := capped.Stats(); st.Tokens != 100 {
		t.Errorf("capped: %d tokens remembered, want 100", st.Tokens)
	}
	if code := putCallback(t, capped, first); code != http.StatusUnauthorized {
		t.Errorf("oldest token: %d, want 401", code)
	}
	if code := putCallback(t, capped, last); code != 200 {
		t.Errorf("newest token: %d", code)
	}
}

func putCallback(t *testing.T, srv *Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/Chatbot/%d?callbackUrl=http://127.0.0.1:1/x", srv.URL, srv.ChatbotID), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// result is the outcome of one concurrent request.
type result struct {
	status     int
	retryAfter string
	err        error
}

// collect waits for n results, failing when they do not all come in time.
func collect(t *testing.T, what string, results <-chan result, n int, within time.Duration) map[int]int {
	t.Helper()
	counts := map[int]int{}
	deadline := time.After(within)
	for i := range n {
		select {
		case r := <-results:
			if r.err != nil {
				t.Errorf("%s: %v", what, r.err)
			}
			if r.status == http.StatusTooManyRequests && r.retryAfter == "" {
				t.Errorf("%s: 429 without Retry-After", what)
			}
			counts[r.status]++
		case <-deadline:
			t.Fatalf("%s: %d of %d answered within %v (%v); the rest hang", what, i, n, within, counts)
		}
	}
	return counts
}

// Beyond WithMaxInFlight, the activity and token endpoints answer 429 at
// once instead of taking the request on.
func TestInboundOverload(t *testing.T) {
	t.Parallel()
	const limit, sent = 4, 20
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock), WithMaxInFlight(limit))
	bot := newTestBot(t, srv, nil)
	sess, err := srv.StartConversation("WebChat")
	if err != nil {
		t.Fatal(err)
	}
	token, err := bot.getToken()
	if err != nil {
		t.Fatal(err)
	}
	post := func(path, contentType, body string, auth bool) result {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := bot.client.Do(req)
		if err != nil {
			return result{err: err}
		}
		resp.Body.Close()
		return result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	}
	run := func(what string, do func() result) {
		results := make(chan result, sent)
		for range sent {
			go func() { results <- do() }()
		}
		// The held requests wait on the fake clock: everything else must be
		// answered before it moves.
		refused := collect(t, what+" beyond the bound", results, sent-limit, 5*time.Second)
		for clock.Waiters() < limit {
			time.Sleep(time.Millisecond)
		}
		clock.Advance(time.Minute)
		done := collect(t, what+" held", results, limit, 5*time.Second)
		if refused[http.StatusTooManyRequests] != sent-limit || done[200] != limit {
			t.Errorf("%s: refused %v, then %v; want %d × 429 then %d × 200", what, refused, done, sent-limit, limit)
		}
	}

	srv.SetFault("Typing", Fault{Delay: time.Minute})
	typing := fmt.Sprintf(`{"activity":"Typing","sessionId":%d,"show":true}`, sess.ID())
	run("Typing", func() result {
		return post(fmt.Sprintf("/api/v1/Chatbot/%d/activity", srv.ChatbotID), "application/json", typing, true)
	})
	srv.SetTokenFault(Fault{Delay: time.Minute})
	run("token", func() result {
		return post("/login/connect/token", "application/x-www-form-urlencoded",
			"grant_type=client_credentials&client_id="+srv.ClientID+"&client_secret="+srv.ClientSecret, false)
	})
	if st := srv.Stats(); st.RefusedRequests != 2*(sent-limit) || st.InFlightRequests != 0 {
		t.Errorf("Stats: %+v", st)
	}
}

// holdBot makes the bot's webhook wait until release is closed.
func holdBot(bot *testBot) (arrived *atomic.Int64, release func()) {
	arrived = new(atomic.Int64)
	hold := make(chan struct{})
	h := bot.ts.Config.Handler
	bot.ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		h.ServeHTTP(w, r)
	})
	var once sync.Once
	return arrived, func() { once.Do(func() { close(hold) }) }
}

// Beyond WithMaxDeliveries, StartConversation fails at once with
// ErrOverloaded and starts no session, and a bot's request whose response
// has no room is answered 429.
func TestDeliveryOverload(t *testing.T) {
	t.Parallel()
	const limit, sent = 4, 20
	srv := NewServer(t, WithMaxDeliveries(limit))
	bot := newTestBot(t, srv, nil)
	open, err := srv.StartConversation("WebChat")
	if err != nil {
		t.Fatal(err)
	}
	arrived, release := holdBot(bot)
	defer release()

	type started struct {
		sess *Session
		err  error
	}
	results := make(chan started, sent)
	for range sent {
		go func() {
			sess, err := srv.StartConversation("WebChat")
			results <- started{sess, err}
		}()
	}
	var refused, accepted []started
	deadline := time.After(5 * time.Second)
	for len(refused) < sent-limit {
		select {
		case r := <-results:
			if r.err == nil {
				t.Fatalf("a conversation started while %d deliveries were held", limit)
			}
			if !errors.Is(r.err, ErrOverloaded) || r.sess != nil {
				t.Fatalf("refused start: %v, %v", r.sess, r.err)
			}
			refused = append(refused, r)
		case <-deadline:
			release()
			t.Fatalf("%d of %d starts beyond the bound refused within 5 s; the rest hang", len(refused), sent-limit)
		}
	}
	for arrived.Load() < limit {
		time.Sleep(time.Millisecond)
	}
	if st := srv.Stats(); st.OpenSessions != 1+limit || st.PendingDeliveries != limit || st.RefusedDeliveries != sent-limit {
		t.Errorf("while held: %+v", st)
	}
	if err := open.Text("hi"); !errors.Is(err, ErrOverloaded) {
		t.Errorf("Text while held: %v", err)
	}
	// A request with a response has no room; one without needs none.
	if code, msg := bot.mustPost(fmt.Sprintf(`{"activity":"GetCallParams","sessionId":%d}`, open.ID())); code != http.StatusTooManyRequests {
		t.Errorf("GetCallParams while held: %d %s", code, msg)
	}
	if code, msg := bot.mustPost(fmt.Sprintf(`{"activity":"Typing","sessionId":%d,"show":true}`, open.ID())); code != 200 {
		t.Errorf("Typing while held: %d %s", code, msg)
	}
	release()
	for range limit {
		r := <-results
		if r.err != nil {
			t.Errorf("held start: %v", r.err)
		}
		accepted = append(accepted, r)
	}
	if len(accepted)+len(refused) != sent {
		t.Errorf("accepted %d + refused %d != %d", len(accepted), len(refused), sent)
	}
	if err := open.Text("hi"); err != nil {
		t.Errorf("Text after release: %v", err)
	}
	if code, msg := bot.mustPost(fmt.Sprintf(`{"activity":"GetCallParams","sessionId":%d}`, open.ID())); code != 200 {
		t.Errorf("GetCallParams after release: %d %s", code, msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := open.WaitDelivered(ctx, "GetCallParamsResponse"); err != nil {
		t.Error(err)
	}
	if st := srv.Stats(); st.PendingDeliveries != 0 || st.RefusedRequests != 1 {
		t.Errorf("after release: %+v", st)
	}
}

// Beyond WithMaxOpenSessions, StartConversation fails with ErrOverloaded.
func TestMaxOpenSessions(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithMaxOpenSessions(3))
	newTestBot(t, srv, nil)
	var all []*Session
	for range 3 {
		sess, err := srv.StartConversation("WebChat")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sess)
	}
	if sess, err := srv.StartConversation("WebChat"); !errors.Is(err, ErrOverloaded) || sess != nil {
		t.Fatalf("4th open session: %v, %v", sess, err)
	}
	if err := all[0].End(); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.StartConversation("WebChat"); err != nil {
		t.Errorf("after one ended: %v", err)
	}
	if st := srv.Stats(); st.OpenSessions != 3 || st.RefusedDeliveries != 1 {
		t.Errorf("Stats: %+v", st)
	}
}
