package mluvii

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type hookCounter struct{ n atomic.Int64 }

func (c *hookCounter) text(context.Context, *Text) error   { c.n.Add(1); return nil }
func (c *hookCounter) any(context.Context, Activity) error { c.n.Add(1); return nil }

// hookWaitFor polls cond for up to 5 s.
func hookWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDispatcherSessionOrder posts many events per session from concurrent
// senders to few workers: each session's events are handled in the order they
// were acked, and different sessions overlap.
func TestDispatcherSessionOrder(t *testing.T) {
	const sessions, perSession = 24, 40
	d := newTestDispatcher(t, WithWorkers(6))
	var mu sync.Mutex
	got := map[int64][]int{}
	var running, maxRunning atomic.Int64
	d.OnText(func(_ context.Context, a *Text) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
		}
		i, _ := strconv.Atoi(a.Text)
		if i%5 == 0 {
			time.Sleep(200 * time.Microsecond)
		}
		mu.Lock()
		got[a.SessionID] = append(got[a.SessionID], i)
		mu.Unlock()
		return nil
	})
	var wg sync.WaitGroup
	for s := range sessions {
		wg.Go(func() {
			for i := range perSession {
				if code := hookPost(d, hookText(int64(s+1), strconv.Itoa(i))); code != http.StatusOK {
					t.Errorf("session %d event %d: %d", s+1, i, code)
				}
			}
		})
	}
	wg.Wait()
	hookClose(t, d)
	for s := int64(1); s <= sessions; s++ {
		seq := got[s]
		if len(seq) != perSession {
			t.Fatalf("session %d: %d events handled, want %d", s, len(seq), perSession)
		}
		for i, v := range seq {
			if v != i {
				t.Fatalf("session %d handled out of order: %v", s, seq)
			}
		}
	}
	if maxRunning.Load() < 2 {
		t.Errorf("sessions never ran in parallel")
	}
}

func TestDispatcherPanicAndErrors(t *testing.T) {
	d := newTestDispatcher(t, WithWorkers(2))
	sentinel := errors.New("no luck")
	var handled atomic.Int64
	d.OnText(func(_ context.Context, a *Text) error {
		switch a.Text {
		case "boom":
			panic("boom")
		case "nil-panic":
			panic(nil)
		case "fail":
			return sentinel
		}
		handled.Add(1)
		return nil
	})
	var mu sync.Mutex
	var reports []*HandlerError
	d.OnError(func(_ context.Context, err error, body []byte) {
		var he *HandlerError
		if !errors.As(err, &he) || len(body) == 0 {
			t.Errorf("OnError(%v, %d bytes)", err, len(body))
			return
		}
		mu.Lock()
		reports = append(reports, he)
		mu.Unlock()
		if he.SessionID == 3 {
			panic("OnError panics too") // recovered and logged
		}
	})
	for _, tx := range []string{"boom", "ok", "fail", "nil-panic", "ok"} {
		hookPost(d, hookText(1, tx))
	}
	hookPost(d, hookText(3, "fail"))
	hookClose(t, d)
	if handled.Load() != 2 {
		t.Errorf("%d ok events handled after the panics, want 2", handled.Load())
	}
	var panics, errs int
	for _, r := range reports {
		switch {
		case r.Panic != nil && len(r.Stack) > 0 && r.Err == nil:
			panics++
		case errors.Is(r, sentinel):
			errs++
		default:
			t.Errorf("report %+v", r)
		}
	}
	if panics != 2 || errs != 2 {
		t.Errorf("%d panics and %d errors reported, want 2 and 2", panics, errs)
	}
	if st := d.Stats(); st.Panics != 3 || st.HandlerErrors != 4 || st.Handled != 6 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherFullQueue: with the queue full a request waits the ack
// budget, then gets 503; room that frees up within the budget is used.
func TestDispatcherFullQueue(t *testing.T) {
	const budget = 150 * time.Millisecond
	d := newTestDispatcher(t, WithWorkers(1), WithQueueSize(2), WithAckBudget(budget))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	hookPost(d, hookText(1, "runs"))
	hookWaitFor(t, "the handler to start", func() bool { return d.Stats().Running == 1 })
	if code := hookPost(d, hookText(2, "waits")); code != http.StatusOK {
		t.Fatalf("second event: %d", code)
	}
	start := time.Now()
	code := hookPost(d, hookText(3, "no room"))
	el := time.Since(start)
	if code != http.StatusServiceUnavailable || el < budget || el > budget+time.Second {
		t.Errorf("full queue: %d after %v, want 503 after the %v budget", code, el, budget)
	}
	if st := d.Stats(); st.Rejected != 1 || st.QueueDepth != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherFullQueueRecovers: room that frees up within the budget is
// taken, and the request is acked.
func TestDispatcherFullQueueRecovers(t *testing.T) {
	d := newTestDispatcher(t, WithWorkers(1), WithQueueSize(1), WithAckBudget(time.Second))
	release := make(chan struct{})
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	hookPost(d, hookText(1, "runs"))
	time.AfterFunc(50*time.Millisecond, func() { close(release) })
	if code := hookPost(d, hookText(2, "waits for room")); code != http.StatusOK {
		t.Errorf("%d, want 200 once the first event is done", code)
	}
}

// TestDispatcherBlockingHandlersDoNotDelayAcks: with every worker stuck,
// requests are still acked at once.
func TestDispatcherBlockingHandlersDoNotDelayAcks(t *testing.T) {
	d := newTestDispatcher(t, WithWorkers(4), WithQueueSize(1000))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	var wg sync.WaitGroup
	var slowest atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				start := time.Now()
				if code := hookPost(d, hookText(int64(g*50+i+1), "x")); code != http.StatusOK {
					t.Errorf("status %d", code)
				}
				if el := int64(time.Since(start)); el > slowest.Load() {
					slowest.Store(el)
				}
			}
		})
	}
	wg.Wait()
	// The handlers never return, so every ack above was sent without waiting
	// for one; the bound only catches acks that waited for queue room.
	if el := time.Duration(slowest.Load()); el > time.Second {
		t.Errorf("slowest ack took %v with the handlers blocked", el)
	}
	hookWaitFor(t, "every worker to be stuck", func() bool { return d.Stats().Running == 4 })
	if st := d.Stats(); st.Acked != 400 || st.Rejected != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherCloseDrains: Close refuses new events, and every acked event
// has been handled when it returns.
func TestDispatcherCloseDrains(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(4))
	var handled hookCounter
	d.OnText(func(ctx context.Context, a *Text) error {
		time.Sleep(time.Millisecond)
		return handled.text(ctx, a)
	})
	var acked atomic.Int64
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for i := range 60 {
				if hookPost(d, hookText(int64(g*3+i%3+1), "x")) == http.StatusOK {
					acked.Add(1)
				}
			}
		})
	}
	wg.Wait()
	hookClose(t, d)
	if handled.n.Load() != acked.Load() || acked.Load() != 600 {
		t.Errorf("acked %d, handled %d: acked events lost", acked.Load(), handled.n.Load())
	}
	if code := hookPost(d, hookText(1, "late")); code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d, want 503", code)
	}
	st := d.Stats()
	if st.Enqueued != 600 || st.Handled != 600 || st.QueueDepth != 0 || st.Rejected != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestDispatcherCloseGivesUp: when ctx ends, Close cancels the handlers'
// context and reports how many events were left.
func TestDispatcherCloseGivesUp(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(1))
	cancelled := make(chan struct{})
	d.OnText(func(ctx context.Context, a *Text) error {
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	})
	hookPost(d, hookText(1, "stuck"))
	hookPost(d, hookText(1, "left behind"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := d.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v, want a deadline error", err)
	}
	<-cancelled
	if err := d.Close(context.Background()); err == nil || !strings.Contains(err.Error(), "1 acked events not handled") {
		t.Errorf("Close after giving up: %v, want the event left behind", err)
	}
	if st := d.Stats(); st.Handled != 1 || st.QueueDepth != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherCloseAgainWithExpiredContext: once drained, Close succeeds
// whatever its ctx, and does not cancel the handlers' context.
func TestDispatcherCloseAgainWithExpiredContext(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(1))
	hookClose(t, d)
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 100 { // select picks at random among ready cases
		if err := d.Close(expired); err != nil {
			t.Fatalf("Close #%d with an expired ctx after draining: %v", i+2, err)
		}
	}
	if d.ctx.Err() != nil || d.abandoned.Load() {
		t.Errorf("a drained dispatcher was abandoned")
	}
}

func TestDispatcherDedupe(t *testing.T) {
	t.Run("off by default", func(t *testing.T) {
		d := newTestDispatcher(t)
		var h hookCounter
		d.OnText(h.text)
		hookPost(d, hookText(1, "hello"))
		hookPost(d, hookText(1, "hello"))
		hookClose(t, d)
		if h.n.Load() != 2 || d.Stats().Duplicates != 0 {
			t.Errorf("handled %d, stats %+v", h.n.Load(), d.Stats())
		}
	})
	t.Run("window", func(t *testing.T) {
		d := newTestDispatcher(t, WithDedupe(time.Minute))
		var h hookCounter
		d.OnText(h.text)
		for _, b := range [][]byte{
			hookText(1, "hello"), hookText(1, "hello"), // duplicate
			hookText(2, "hello"),  // other session
			hookText(1, "hello!"), // other body
			hookText(1, "hello"),  // duplicate again
		} {
			if code := hookPost(d, b); code != http.StatusOK {
				t.Errorf("status %d", code)
			}
		}
		hookClose(t, d)
		if h.n.Load() != 3 || d.Stats().Duplicates != 2 {
			t.Errorf("handled %d, stats %+v", h.n.Load(), d.Stats())
		}
	})
	t.Run("expires", func(t *testing.T) {
		d := newTestDispatcher(t, WithDedupe(30*time.Millisecond))
		var h hookCounter
		d.OnText(h.text)
		hookPost(d, hookText(1, "hello"))
		time.Sleep(60 * time.Millisecond)
		hookPost(d, hookText(1, "hello"))
		hookClose(t, d)
		if h.n.Load() != 2 {
			t.Errorf("handled %d, want 2 after the window", h.n.Load())
		}
	})
	t.Run("refused is not remembered", func(t *testing.T) {
		d := newTestDispatcher(t, WithDedupe(time.Minute), WithWorkers(1), WithQueueSize(1), WithAckBudget(20*time.Millisecond))
		release := make(chan struct{})
		var h hookCounter
		d.OnText(func(ctx context.Context, a *Text) error {
			if a.Text == "block" {
				<-release
			}
			return h.text(ctx, a)
		})
		hookPost(d, hookText(1, "block"))
		hookWaitFor(t, "the handler to start", func() bool { return d.Stats().Running == 1 })
		if code := hookPost(d, hookText(2, "retry me")); code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", code)
		}
		close(release)
		hookWaitFor(t, "room", func() bool { return d.Stats().QueueDepth == 0 })
		if code := hookPost(d, hookText(2, "retry me")); code != http.StatusOK {
			t.Errorf("retry: %d", code)
		}
		hookClose(t, d)
		if h.n.Load() != 2 || d.Stats().Duplicates != 0 {
			t.Errorf("handled %d, stats %+v", h.n.Load(), d.Stats())
		}
	})
}

// journalQueue is a Queue that keeps only bytes, as a durable queue would:
// reopen simulates a restart, returning every event that was not Done.
type journalQueue struct {
	mu      sync.Mutex
	stored  map[uint64]QueuedEvent // Put and not Done
	pending []uint64               // not taken, oldest first
	nextID  uint64
	closed  bool
	wake    chan struct{} // closed and replaced on every change
}

func newJournalQueue() *journalQueue {
	return &journalQueue{stored: map[uint64]QueuedEvent{}, wake: make(chan struct{})}
}

// reopen returns a queue holding what q stored, as after a restart.
func (q *journalQueue) reopen() *journalQueue {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := newJournalQueue()
	r.nextID = q.nextID
	for id := uint64(1); id <= q.nextID; id++ {
		if e, ok := q.stored[id]; ok {
			r.stored[id] = e
			r.pending = append(r.pending, id)
		}
	}
	return r
}

func (q *journalQueue) changed() { close(q.wake); q.wake = make(chan struct{}) }

func (q *journalQueue) Put(ctx context.Context, e QueuedEvent) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrQueueClosed
	}
	q.nextID++
	// Only what a disk would keep: no decoded activity.
	q.stored[q.nextID] = QueuedEvent{ID: q.nextID, SessionID: e.SessionID, Name: e.Name, Body: append([]byte(nil), e.Body...), Received: e.Received}
	q.pending = append(q.pending, q.nextID)
	q.changed()
	return nil
}

func (q *journalQueue) Take(ctx context.Context) (QueuedEvent, error) {
	for {
		q.mu.Lock()
		if len(q.pending) > 0 {
			id := q.pending[0]
			q.pending = q.pending[1:]
			e := q.stored[id]
			q.mu.Unlock()
			return e, nil
		}
		if q.closed {
			q.mu.Unlock()
			return QueuedEvent{}, ErrQueueClosed
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return QueuedEvent{}, ctx.Err()
		}
	}
}

func (q *journalQueue) Done(e QueuedEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.stored, e.ID)
}

func (q *journalQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.stored)
}

func (q *journalQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.changed()
	return nil
}

// TestDispatcherDurableQueue plugs in a Queue that stores only bytes: events
// acked but not handled when Close gives up are handled, in order, by the
// next dispatcher on the same storage.
func TestDispatcherDurableQueue(t *testing.T) {
	q1 := newJournalQueue()
	d1 := NewDispatcher(WithDispatchLogger(nil), WithQueue(q1), WithWorkers(2))
	d1.OnText(func(ctx context.Context, a *Text) error {
		<-ctx.Done() // stuck until Close gives up
		return ctx.Err()
	})
	for i := range 6 {
		if code := hookPost(d1, hookText(int64(i%2+1), strconv.Itoa(i))); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	hookWaitFor(t, "both sessions to start", func() bool { return d1.Stats().Running == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := d1.Close(ctx); err == nil {
		t.Fatal("Close returned nil with handlers stuck")
	}
	hookWaitFor(t, "the stuck handlers to return", func() bool { return d1.Stats().Running == 0 })
	if n := q1.Len(); n != 4 {
		t.Fatalf("%d events left in the journal, want 4", n)
	}

	q2 := q1.reopen()
	d2 := NewDispatcher(WithDispatchLogger(nil), WithQueue(q2), WithWorkers(2))
	var mu sync.Mutex
	got := map[int64][]string{}
	d2.OnText(func(_ context.Context, a *Text) error {
		mu.Lock()
		got[a.SessionID] = append(got[a.SessionID], a.Text)
		mu.Unlock()
		return nil
	})
	hookClose(t, d2)
	if want := map[int64][]string{1: {"2", "4"}, 2: {"3", "5"}}; !hookEqualSeqs(got, want) {
		t.Errorf("after restart handled %v, want %v", got, want)
	}
	if q2.Len() != 0 || d2.Stats().QueueDepth != 0 {
		t.Errorf("journal still holds %d events", q2.Len())
	}
}

func hookEqualSeqs(a, b map[int64][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

func TestMemoryQueue(t *testing.T) {
	q := NewMemoryQueue(2)
	ctx := context.Background()
	for i := range 2 {
		if err := q.Put(ctx, QueuedEvent{ID: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := q.Take(ctx)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := q.Put(short, QueuedEvent{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put into a full queue (taken, not Done): %v", err)
	}
	q.Done(e)
	if err := q.Put(ctx, QueuedEvent{ID: 2}); err != nil {
		t.Errorf("Put after Done: %v", err)
	}
	q.Close()
	q.Close()
	if err := q.Put(ctx, QueuedEvent{}); !errors.Is(err, ErrQueueClosed) {
		t.Errorf("Put after Close: %v", err)
	}
	for _, want := range []uint64{1, 2} {
		if e, err := q.Take(ctx); err != nil || e.ID != want {
			t.Errorf("Take after Close: %v %v, want %d", e.ID, err, want)
		}
	}
	if _, err := q.Take(ctx); !errors.Is(err, ErrQueueClosed) {
		t.Errorf("Take from a closed, empty queue: %v", err)
	}
	if q.Len() != 2 {
		t.Errorf("Len %d, want 2 (taken, not Done)", q.Len())
	}
}
