package mluvii

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func hookCallParams(session int64, value string) []byte {
	return fmt.Appendf(nil, `{"activity":"GetCallParamsResponse","sessionId":%d,"callParams":{"k":%q}}`, session, value)
}

func hookDecode(t *testing.T, body []byte) Activity {
	t.Helper()
	a, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWaitersRegisterOffer(t *testing.T) {
	var w Waiters // the zero value works
	resp := hookDecode(t, hookCallParams(7, "v"))
	if w.Offer(resp) || w.Offer(nil) {
		t.Fatal("Offer without a waiter took the activity")
	}
	ch, cancel, err := w.Register(7, ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if _, _, err := w.Register(7, ActivityGetCallParamsResponse); !errors.Is(err, ErrInFlight) {
		t.Errorf("second Register: %v, want ErrInFlight", err)
	}
	for _, k := range []struct {
		s    int64
		name string
	}{{8, ActivityGetCallParamsResponse}, {7, ActivityGuestInputChangeResponse}} {
		_, c, err := w.Register(k.s, k.name)
		if err != nil {
			t.Errorf("Register(%d, %s): %v", k.s, k.name, err)
		}
		c()
	}
	if w.Offer(hookDecode(t, hookCallParams(70, "other session"))) {
		t.Error("Offer matched another session")
	}
	if !w.Offer(resp) {
		t.Fatal("Offer did not find the waiter")
	}
	if got := <-ch; got != resp {
		t.Errorf("received %v", got)
	}
	if w.Offer(resp) {
		t.Error("a waiter received twice")
	}
	if w.Len() != 0 {
		t.Errorf("Len %d after delivery", w.Len())
	}
	// After delivery (and cancel) the key is free again.
	cancel()
	cancel()
	if _, c, err := w.Register(7, ActivityGetCallParamsResponse); err != nil {
		t.Errorf("Register after delivery: %v", err)
	} else {
		c()
	}
}

func TestWaitersCancel(t *testing.T) {
	var w Waiters
	var late []Activity
	w.setLate(func(a Activity) { late = append(late, a) })
	resp := hookDecode(t, hookCallParams(7, "v"))

	_, cancel, _ := w.Register(7, ActivityGetCallParamsResponse)
	cancel()
	if w.Offer(resp) || w.Len() != 0 {
		t.Error("a cancelled waiter was offered the response")
	}

	// Delivered but never read: cancel passes it on.
	_, cancel, _ = w.Register(7, ActivityGetCallParamsResponse)
	if !w.Offer(resp) {
		t.Fatal("not offered")
	}
	cancel()
	cancel()
	if len(late) != 1 || late[0] != resp {
		t.Errorf("late hook got %v", late)
	}

	// Delivered and read: nothing is passed on.
	ch, cancel, _ := w.Register(7, ActivityGetCallParamsResponse)
	w.Offer(resp)
	<-ch
	cancel()
	if len(late) != 1 {
		t.Errorf("late hook got a response that was read")
	}
}

// TestWaitersConcurrent races Register, Offer and cancel (run with -race):
// every offered response is received exactly once, by its waiter or by the
// late hook.
func TestWaitersConcurrent(t *testing.T) {
	var w Waiters
	var late atomic.Int64
	w.setLate(func(Activity) { late.Add(1) })
	var received, offered atomic.Int64
	var wg sync.WaitGroup
	for s := range 16 {
		session := int64(s + 1)
		resp := hookDecode(t, hookCallParams(session, "v"))
		wg.Go(func() {
			for i := range 300 {
				ch, cancel, err := w.Register(session, ActivityGetCallParamsResponse)
				if err != nil {
					t.Error(err)
					return
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					if w.Offer(resp) {
						offered.Add(1)
					}
				}()
				if i%2 == 0 {
					select {
					case <-ch:
						received.Add(1)
					case <-time.After(time.Millisecond):
					}
				}
				cancel()
				<-done
			}
		})
	}
	wg.Wait()
	if received.Load()+late.Load() != offered.Load() {
		t.Errorf("offered %d, received %d + late %d", offered.Load(), received.Load(), late.Load())
	}
	if w.Len() != 0 {
		t.Errorf("%d waiters left", w.Len())
	}
}

// TestDispatcherWaiters: a response goes to its waiter instead of the
// handler; without a waiter (or when it is late) the handler gets it.
func TestDispatcherWaiters(t *testing.T) {
	d := newTestDispatcher(t)
	handled := make(chan string, 4)
	d.OnGetCallParamsResponse(func(_ context.Context, a *GetCallParamsResponse) error {
		handled <- a.CallParams["k"]
		return nil
	})
	ch, cancel, err := d.Waiters().Register(5, ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if code := hookPost(d, hookCallParams(5, "to waiter")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if got := (<-ch).(*GetCallParamsResponse); got.CallParams["k"] != "to waiter" {
		t.Errorf("waiter got %v", got.CallParams)
	}
	cancel()
	hookPost(d, hookCallParams(5, "duplicate to handler"))

	// The waiter gives up after the response arrived but before reading it.
	_, cancel, _ = d.Waiters().Register(5, ActivityGetCallParamsResponse)
	hookPost(d, hookCallParams(5, "late to handler"))
	cancel()
	hookClose(t, d)
	close(handled)
	var got []string
	for h := range handled {
		got = append(got, h)
	}
	if len(got) != 2 || got[0] != "duplicate to handler" || got[1] != "late to handler" {
		t.Errorf("handler got %q", got)
	}
	if st := d.Stats(); st.ToWaiters != 2 || st.LateResponses != 1 || st.Handled != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherWaitersOnlyResponses: non-response activities are never
// offered to waiters, even under a matching name.
func TestDispatcherWaitersOnlyResponses(t *testing.T) {
	d := newTestDispatcher(t)
	var h hookCounter
	d.OnText(h.text)
	_, cancel, _ := d.Waiters().Register(1, ActivityText)
	defer cancel()
	hookPost(d, hookText(1, "hi"))
	hookClose(t, d)
	if h.n.Load() != 1 {
		t.Errorf("Text went to a waiter")
	}
}

type recordingWaiter struct {
	mu   sync.Mutex
	seen []string
	take bool
}

func (r *recordingWaiter) Offer(a Activity) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, a.ActivityName())
	return r.take
}

func TestDispatcherResponseWaiterOption(t *testing.T) {
	first, second := &recordingWaiter{}, &recordingWaiter{take: true}
	d := newTestDispatcher(t, WithResponseWaiter(first), WithResponseWaiter(second))
	var h hookCounter
	d.OnActivity(h.any)
	hookPost(d, hookText(1, "hi"))
	hookPost(d, hookCallParams(1, "v"))
	hookClose(t, d)
	if len(first.seen) != 1 || len(second.seen) != 1 || first.seen[0] != ActivityGetCallParamsResponse {
		t.Errorf("offers: %v, %v", first.seen, second.seen)
	}
	if h.n.Load() != 1 {
		t.Errorf("handler got %d activities, want only the Text", h.n.Load())
	}
}

// TestDispatcherWaitInsideHandler: a handler may wait for the response to a
// request it sent in the same session. The response skips the session's
// queue, where it would wait behind the very handler waiting for it.
func TestDispatcherWaitInsideHandler(t *testing.T) {
	d := newTestDispatcher(t, WithWorkers(1))
	srv := http.Handler(d)
	result := make(chan string, 1)
	d.OnConversationStarted(func(ctx context.Context, a *ConversationStarted) error {
		ch, cancel, err := d.Waiters().Register(a.SessionID, ActivityGetCallParamsResponse)
		if err != nil {
			return err
		}
		defer cancel()
		// What the fake mluvii does: answer asynchronously on the webhook.
		go hookPost(srv, hookCallParams(a.SessionID, "answered"))
		select {
		case r := <-ch:
			result <- r.(*GetCallParamsResponse).CallParams["k"]
		case <-time.After(5 * time.Second):
			result <- "timed out"
		}
		return nil
	})
	hookPost(d, hookVector(t, "event.ConversationStarted.json"))
	if got := <-result; got != "answered" {
		t.Errorf("handler waiting for a response: %s", got)
	}
}

// TestDispatcherCloseLetsWaitersFinish: while Close drains, a handler waiting
// for a response still gets it (only events to queue get 503), so a bot
// shuts its HTTP server down after Close, not before.
func TestDispatcherCloseLetsWaitersFinish(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(1))
	waiting := make(chan struct{})
	result := make(chan string, 1)
	d.OnConversationStarted(func(ctx context.Context, a *ConversationStarted) error {
		ch, cancel, err := d.Waiters().Register(a.SessionID, ActivityGetCallParamsResponse)
		if err != nil {
			return err
		}
		defer cancel()
		close(waiting)
		select {
		case r := <-ch:
			result <- r.(*GetCallParamsResponse).CallParams["k"]
		case <-time.After(5 * time.Second):
			result <- "timed out"
		}
		return nil
	})
	hookPost(d, hookVector(t, "event.ConversationStarted.json"))
	<-waiting
	closed := make(chan error, 1)
	go func() { closed <- d.Close(context.Background()) }()
	hookWaitFor(t, "Close to begin", func() bool { return hookPost(d, hookText(9, "new")) == http.StatusServiceUnavailable })
	session := hookDecode(t, hookVector(t, "event.ConversationStarted.json")).Session()
	if code := hookPost(d, hookCallParams(session, "answered")); code != http.StatusOK {
		t.Errorf("awaited response during Close: %d, want 200", code)
	}
	if got := <-result; got != "answered" {
		t.Errorf("handler waiting during Close: %s", got)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestDispatcherLateResponseAfterClose: a response acked to a waiter that
// gives up only after Close returned is not handled (nothing runs after
// Close); it is counted as dropped.
func TestDispatcherLateResponseAfterClose(t *testing.T) {
	d := newTestDispatcher(t)
	handled := make(chan string, 1)
	d.OnGetCallParamsResponse(func(_ context.Context, a *GetCallParamsResponse) error {
		handled <- a.CallParams["k"]
		return nil
	})
	_, cancel, err := d.Waiters().Register(5, ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if code := hookPost(d, hookCallParams(5, "acked while waiting")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	hookClose(t, d)
	cancel()
	select {
	case got := <-handled:
		t.Errorf("a handler ran after Close returned: %q", got)
	case <-time.After(20 * time.Millisecond):
	}
	if st := d.Stats(); st.LateResponses != 1 || st.Handled != 0 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

// fakeRegistry is a WaiterRegistry shared by two dispatchers, as a cluster's
// would be: it refuses a second claim and remembers each claim's offer.
type fakeRegistry struct {
	mu       sync.Mutex
	claims   map[string]func(Activity) bool
	released int
}

func (r *fakeRegistry) Reserve(session int64, name string, offer func(Activity) bool) (func(), error) {
	k := fmt.Sprint(session, name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.claims == nil {
		r.claims = map[string]func(Activity) bool{}
	}
	if _, busy := r.claims[k]; busy {
		return nil, fmt.Errorf("claimed elsewhere: %w", ErrInFlight)
	}
	r.claims[k] = offer
	return func() {
		r.mu.Lock()
		delete(r.claims, k)
		r.released++
		r.mu.Unlock()
	}, nil
}

// Offer makes the registry a ResponseWaiter too: a response is handed to the
// claim's offer, wherever it was registered.
func (r *fakeRegistry) Offer(a Activity) bool {
	r.mu.Lock()
	offer := r.claims[fmt.Sprint(a.Session(), a.ActivityName())]
	r.mu.Unlock()
	return offer != nil && offer(a)
}

func TestWaiterRegistry(t *testing.T) {
	reg := &fakeRegistry{}
	a := NewDispatcher(WithWaiterRegistry(reg), WithResponseWaiter(reg))
	b := NewDispatcher(WithWaiterRegistry(reg), WithResponseWaiter(reg))
	defer a.Close(context.Background())
	defer b.Close(context.Background())
	ch, cancel, err := a.Waiters().Register(7, ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if _, _, err := b.Waiters().Register(7, ActivityGetCallParamsResponse); !errors.Is(err, ErrInFlight) {
		t.Fatalf("Register on the other dispatcher: %v, want ErrInFlight", err)
	}
	if b.Waiters().Len() != 0 {
		t.Fatal("a refused registration stayed registered")
	}
	// The response lands on b and reaches a's waiter.
	rec := postTo(b, hookCallParams(7, "v"))
	if rec != http.StatusOK {
		t.Fatalf("status %d", rec)
	}
	select {
	case got := <-ch:
		if got.Session() != 7 {
			t.Fatalf("got %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the response did not reach the waiter on the other dispatcher")
	}
	cancel()
	cancel()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.released != 1 || len(reg.claims) != 0 {
		t.Errorf("released %d claims, %d left; want 1, 0", reg.released, len(reg.claims))
	}
}

func postTo(d *Dispatcher, body []byte) int {
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	return rec.Code
}
