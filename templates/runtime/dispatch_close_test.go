package mluvii

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryQueueDoneWithoutTake: a Done for an event never taken (or a
// second Done) is ignored; it used to free a slot of an event still queued,
// so the next Put blocked forever on a full channel under the queue's lock,
// ignoring its ctx, and Close hung behind it.
func TestMemoryQueueDoneWithoutTake(t *testing.T) {
	q := NewMemoryQueueBytes(1, 100)
	e1 := QueuedEvent{ID: 1, Body: []byte("x")}
	if err := q.Put(context.Background(), e1); err != nil {
		t.Fatal(err)
	}
	q.Done(e1) // never taken
	q.Done(e1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	put := make(chan error, 1)
	go func() { put <- q.Put(ctx, QueuedEvent{ID: 2, Body: []byte("y")}) }()
	select {
	case err := <-put:
		if !errors.Is(err, ErrQueueFull) {
			t.Errorf("Put into a full queue: %v, want ErrQueueFull", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Put ignored its ctx")
	}
	closed := make(chan error, 1)
	go func() { closed <- q.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
	if q.Len() != 1 || q.Bytes() != 1 {
		t.Errorf("Len %d, Bytes %d: the queued event lost its room", q.Len(), q.Bytes())
	}
}

// TestDispatcherWaitingRequestRefusedWhenCloseBegins: a request waiting for
// room gets 503 as soon as Close begins, not a 200 after Close gave up for an
// event nobody would handle.
func TestDispatcherWaitingRequestRefusedWhenCloseBegins(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithQueueSize(1), WithAckBudget(5*time.Second))
	release := make(chan struct{})
	var handled atomic.Int32
	d.OnText(func(context.Context, *Text) error { handled.Add(1); <-release; return nil })
	hookPost(d, hookText(1, "a"))
	hookWaitFor(t, "the handler to run", func() bool { return d.Stats().Running == 1 })
	code := make(chan int, 1)
	go func() { code <- hookPost(d, hookText(2, "b")) }()
	time.Sleep(30 * time.Millisecond) // b waits for room
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.Close(ctx); err == nil {
		t.Error("Close with a handler blocked: nil")
	}
	select {
	case c := <-code:
		if c != http.StatusServiceUnavailable {
			t.Errorf("the waiting request got %d, want 503", c)
		}
	case <-time.After(time.Second):
		t.Fatal("the waiting request was still waiting after Close began")
	}
	close(release)
	if st := d.Stats(); st.RejectedClosing != 1 || st.Enqueued != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherNoHandlerAfterCloseGaveUp: once Close has returned its
// error, no handler starts (a worker used to take one more event at random):
// every handler that finishes afterwards was running when Close returned.
func TestDispatcherNoHandlerAfterCloseGaveUp(t *testing.T) {
	for round := range 30 {
		d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(4))
		d.OnText(func(context.Context, *Text) error {
			time.Sleep(20 * time.Microsecond)
			return nil
		})
		for i := range 400 {
			hookPost(d, hookText(int64(i%8+1), "x"))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		err := d.Close(ctx)
		// Running first: a handler finishing in between is then counted
		// twice, never missed.
		running := d.stats.running.Load()
		handled := d.stats.handled.Load()
		cancel()
		if err == nil {
			continue
		}
		hookWaitFor(t, "the running handlers to return", func() bool { return d.stats.running.Load() == 0 })
		if later := d.stats.handled.Load(); later > handled+uint64(running) {
			t.Fatalf("round %d: %d handlers finished after Close returned, %d were running then", round, later-handled, running)
		}
	}
}

// TestDispatcherOnErrorGetsItsOwnBody: OnError may redact the body it gets
// in place without changing strings a handler kept (the queued body is
// shared with the activity's strings).
func TestDispatcherOnErrorGetsItsOwnBody(t *testing.T) {
	d := newTestDispatcher(t)
	var kept string
	d.OnText(func(_ context.Context, a *Text) error {
		kept = a.Text
		return errors.New("handler failed")
	})
	done := make(chan struct{})
	d.OnError(func(_ context.Context, _ error, body []byte) {
		for i := range body {
			body[i] = '*'
		}
		close(done)
	})
	hookPost(d, hookText(1, "secret"))
	<-done
	hookClose(t, d)
	if kept != "secret" {
		t.Errorf("a string the handler kept changed after OnError redacted its body: %q", kept)
	}
}

// TestDispatcherCloseCountsOutsideRunners: Close's count of events not
// handled leaves out late responses run outside the queue.
func TestDispatcherCloseCountsOutsideRunners(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithQueueSize(2))
	release := make(chan struct{})
	defer close(release)
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	d.OnGetCallParamsResponse(func(context.Context, *GetCallParamsResponse) error { <-release; return nil })
	hookPost(d, hookText(1, "A runs"))
	hookWaitFor(t, "A to run", func() bool { return d.Stats().Running == 1 })
	hookPost(d, hookText(1, "B waits behind A"))
	_, cancel, _ := d.Waiters().Register(2, ActivityGetCallParamsResponse)
	hookPost(d, hookCallParams(2, "late"))
	cancel() // the queue is full: it runs outside
	hookWaitFor(t, "the late response to run", func() bool { return d.Stats().Running == 2 })
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer stop()
	err := d.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 acked events not handled and 2 handlers still running") {
		t.Errorf("Close: %v, want B not handled, A and the late response running", err)
	}
}

// TestDispatcherQueuedEventsHoldTheirBodies: waiting events hold their
// bodies and nothing more, so WithQueueBytes bounds their memory, whatever
// the decoded form would cost (a list of empty objects decodes to structs
// thirty times its size) and for unknown activities too (whose Raw is a
// copy).
func TestDispatcherQueuedEventsHoldTheirBodies(t *testing.T) {
	const events, size = 8, 256 << 10
	for _, c := range []struct {
		name string
		body func(i int) []byte
	}{
		{"list of empty objects", func(i int) []byte {
			return fmt.Appendf(nil, `{"activity":"GetAvailableGroupsResponse","sessionId":%d,"availableGroups":[%s{}]}`, i+2, strings.Repeat("{},", size/3))
		}},
		{"unknown activity", func(i int) []byte {
			return fmt.Appendf(nil, `{"activity":"NoSuch","sessionId":%d,"x":%q}`, i+2, strings.Repeat("y", size))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			release := make(chan struct{})
			d := newTestDispatcher(t, WithWorkers(1))
			d.OnText(func(context.Context, *Text) error { <-release; return nil })
			hookPost(d, hookText(1, "holds the only worker"))
			hookWaitFor(t, "the worker to be busy", func() bool { return d.Stats().Running == 1 })
			bodies := make([][]byte, events)
			for i := range bodies {
				bodies[i] = c.body(i)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for _, b := range bodies {
				if code := hookPost(d, b); code != http.StatusOK {
					t.Fatalf("status %d", code)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(bodies)
			held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			queued := d.Stats().QueueBytes
			if held > queued*13/10 {
				t.Errorf("queued events hold %d bytes of heap for %d bytes of bodies (%.1fx)", held, queued, float64(held)/float64(queued))
			}
			close(release)
		})
	}
}

// TestDispatcherBrokenBodyClosesAtOnce: an answer given after reading part
// of a body (too large when it arrived, chunked) closes the connection at
// once instead of when the read deadline expires.
func TestDispatcherBrokenBodyClosesAtOnce(t *testing.T) {
	d := newTestDispatcher(t, WithMaxBodyBytes(1000), WithReadTimeout(10*time.Second))
	srv := httptest.NewServer(d)
	defer srv.Close()
	// Over the limit in the first chunk; the chunked body never ends.
	head := fmt.Sprintf("POST /mluvii HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", 1001, strings.Repeat(" ", 1001))
	status, closed := rawExchange(t, srv, head, 3*time.Second)
	if !strings.HasPrefix(status, "413") || !closed {
		t.Errorf("got %q, connection closed %v; want 413 and the connection closed at once", status, closed)
	}
}

// TestDispatcherLateResponsesRaceClose: late responses given up at random
// moments around Close are each handled once before Close returns, or
// dropped and counted after it; none runs after Close returned nil.
func TestDispatcherLateResponsesRaceClose(t *testing.T) {
	for round := range 20 {
		d := NewDispatcher(WithDispatchLogger(nil), WithQueueSize(4))
		var closed atomic.Bool
		var handled, afterClose atomic.Int32
		d.OnGetCallParamsResponse(func(context.Context, *GetCallParamsResponse) error {
			if closed.Load() {
				afterClose.Add(1)
			}
			handled.Add(1)
			return nil
		})
		const n = 40
		var wg sync.WaitGroup
		for i := range n {
			session := int64(i + 1)
			_, cancel, err := d.Waiters().Register(session, ActivityGetCallParamsResponse)
			if err != nil {
				t.Fatal(err)
			}
			hookPost(d, hookCallParams(session, "late"))
			wg.Go(func() {
				time.Sleep(time.Duration(i%5) * 100 * time.Microsecond)
				cancel()
			})
		}
		if err := d.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		closed.Store(true)
		wg.Wait()
		st := d.Stats()
		if afterClose.Load() != 0 {
			t.Fatalf("round %d: %d handlers ran after Close returned", round, afterClose.Load())
		}
		if int(handled.Load())+int(st.Dropped) != n || st.LateResponses != n {
			t.Fatalf("round %d: handled %d + dropped %d != %d late responses (stats %+v)", round, handled.Load(), st.Dropped, n, st)
		}
	}
}
