package mluvii

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawExchange sends head (request line and headers, no body) over a new TCP
// connection to srv and returns the status line, and whether the server
// then closed the connection, both within wait.
func rawExchange(t *testing.T, srv *httptest.Server, head string, wait time.Duration) (status string, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "no answer: " + err.Error(), false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp.Status, errors.Is(err, io.EOF)
}

// TestDispatcherAnswersWithoutBodyAtOnce: an answer that does not need the
// body (a wrong secret, a wrong method, a body announced too large, a health
// check with a body) goes out at once and the connection is closed, although
// the announced body never comes. net/http used to wait for the body to drain
// it before writing the 401.
func TestDispatcherAnswersWithoutBodyAtOnce(t *testing.T) {
	d := newTestDispatcher(t, WithCallbackSecret("right"), WithMaxBodyBytes(100))
	srv := httptest.NewServer(d)
	defer srv.Close()
	for _, c := range []struct{ name, head, want string }{
		{"wrong secret", "POST /mluvii?secret=wrong HTTP/1.1\r\nHost: bot\r\nContent-Length: 10\r\n\r\n", "401"},
		{"no secret, chunked", "POST /mluvii HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n", "401"},
		{"wrong method", "PUT /mluvii?secret=right HTTP/1.1\r\nHost: bot\r\nContent-Length: 10\r\n\r\n", "405"},
		{"announced too large", "POST /mluvii?secret=right HTTP/1.1\r\nHost: bot\r\nContent-Length: 200\r\n\r\n", "413"},
		{"health check with a body", "GET /mluvii?secret=right HTTP/1.1\r\nHost: bot\r\nContent-Length: 10\r\n\r\n", "200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, closed := rawExchange(t, srv, c.head, 3*time.Second)
			if !strings.HasPrefix(status, c.want) || !closed {
				t.Errorf("got %q, connection closed %v; want %s at once and the connection closed", status, closed, c.want)
			}
		})
	}
	// Many at once: none holds its connection.
	var wg sync.WaitGroup
	var answered atomic.Int32
	for range 200 {
		wg.Go(func() {
			if status, closed := rawExchange(t, srv, "POST /mluvii?secret=wrong HTTP/1.1\r\nHost: bot\r\nContent-Length: 10\r\n\r\n", 5*time.Second); strings.HasPrefix(status, "401") && closed {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	if answered.Load() != 200 {
		t.Errorf("%d of 200 unauthorized requests answered and closed", answered.Load())
	}
}

// TestDispatcherSlowBodyFindsRoom: a body that took longer than the ack
// budget to arrive, finding room in the queue, is acked. The budget counted
// from the request's start used to expire before Put, and Put picked at
// random between the free slot and the expired deadline.
func TestDispatcherSlowBodyFindsRoom(t *testing.T) {
	d := newTestDispatcher(t, WithAckBudget(20*time.Millisecond))
	var handled atomic.Int32
	d.OnText(func(context.Context, *Text) error { handled.Add(1); return nil })
	srv := httptest.NewServer(d)
	defer srv.Close()
	var wg sync.WaitGroup
	var ok atomic.Int32
	for i := range 40 {
		wg.Go(func() {
			body := hookText(int64(i+1), "slow")
			pr, pw := io.Pipe()
			go func() {
				_, _ = pw.Write(body[:5])
				time.Sleep(100 * time.Millisecond) // five ack budgets
				_, _ = pw.Write(body[5:])
				pw.Close()
			}()
			req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
			req.ContentLength = int64(len(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	hookClose(t, d)
	if ok.Load() != 40 || handled.Load() != 40 {
		t.Errorf("%d of 40 slow bodies acked, %d handled; want all", ok.Load(), handled.Load())
	}
}

// TestDispatcherQueueBytesBound: the default queue is bounded in bytes too;
// a request finding it full waits the ack budget, gets 503, and Stats says
// which bound was hit and how many bytes are held.
func TestDispatcherQueueBytesBound(t *testing.T) {
	release := make(chan struct{})
	d := newTestDispatcher(t, WithQueueBytes(1000), WithAckBudget(20*time.Millisecond), WithWorkers(4))
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	text := strings.Repeat("x", 400)
	first, second := hookText(1, text), hookText(2, text)
	for _, b := range [][]byte{first, second} {
		if code := hookPost(d, b); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	if code := hookPost(d, hookText(3, text)); code != http.StatusServiceUnavailable {
		t.Errorf("third body over 1000 bytes: %d, want 503", code)
	}
	st := d.Stats()
	if st.RejectedBytes != 1 || st.RejectedFull != 0 || st.Rejected != 1 || st.QueueBytes != int64(len(first)+len(second)) {
		t.Errorf("stats %+v", st)
	}
	close(release)
	hookWaitFor(t, "the queue to empty", func() bool { return d.Stats().QueueBytes == 0 })
	if code := hookPost(d, hookText(3, strings.Repeat("x", 5000))); code != http.StatusOK {
		t.Errorf("a body larger than the bound into an empty queue: %d, want 200", code)
	}
}

// TestDispatcherQueueCountBound: the event bound is reported apart.
func TestDispatcherQueueCountBound(t *testing.T) {
	release := make(chan struct{})
	d := newTestDispatcher(t, WithQueueSize(1), WithAckBudget(20*time.Millisecond))
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	hookPost(d, hookText(1, "a"))
	if code := hookPost(d, hookText(2, "b")); code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", code)
	}
	if st := d.Stats(); st.RejectedFull != 1 || st.RejectedBytes != 0 {
		t.Errorf("stats %+v", st)
	}
	close(release)
}

// TestDispatcherQueuedEventHoldsBodyOnce: while events wait in the queue,
// the heap holds each body about once (the decoded activity shares the
// body's memory; it used to hold a copy).
func TestDispatcherQueuedEventHoldsBodyOnce(t *testing.T) {
	const events, size = 64, 256 << 10
	release := make(chan struct{})
	d := newTestDispatcher(t, WithWorkers(1))
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	bodies := make([][]byte, events)
	for i := range bodies {
		bodies[i] = hookText(1, strings.Repeat("y", size))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range bodies {
		if code := hookPost(d, bodies[i]); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(bodies) // counted in before, so they must not be freed
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if limit := int64(events*size) * 13 / 10; held > limit {
		t.Errorf("%d queued bodies of %d bytes hold %d bytes of heap, want at most %d", events, size, held, limit)
	}
	close(release)
}

// TestDispatcherLateResponseKeepsSessionOrder: a late response the full
// queue cannot take waits for the running handler of its session instead of
// running beside it on the goroutine that gave up waiting.
func TestDispatcherLateResponseKeepsSessionOrder(t *testing.T) {
	d := newTestDispatcher(t, WithQueueSize(1), WithWorkers(2))
	release := make(chan struct{})
	var running atomic.Bool
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	d.OnText(func(context.Context, *Text) error {
		running.Store(true)
		<-release
		note("text")
		running.Store(false)
		return nil
	})
	late := make(chan bool, 1)
	d.OnGetCallParamsResponse(func(context.Context, *GetCallParamsResponse) error {
		note("response")
		late <- running.Load()
		return nil
	})
	hookPost(d, hookText(5, "first"))
	hookWaitFor(t, "the handler to run", running.Load)
	_, cancel, err := d.Waiters().Register(5, ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if code := hookPost(d, hookCallParams(5, "late")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	cancel() // gives up without reading: the queue (size 1) is full
	select {
	case overlapped := <-late:
		t.Fatalf("the late response ran while its session's handler was running (%v)", overlapped)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if overlapped := <-late; overlapped {
		t.Error("the late response overlapped its session's handler")
	}
	hookClose(t, d)
	if fmt.Sprint(order) != "[text response]" {
		t.Errorf("order %v", order)
	}
	if st := d.Stats(); st.LateResponses != 1 || st.Handled != 2 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherLateResponseWhileClosing: a late response that comes back
// while Close drains is handled before Close returns.
func TestDispatcherLateResponseWhileClosing(t *testing.T) {
	d := newTestDispatcher(t)
	release := make(chan struct{})
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	handled := make(chan struct{})
	d.OnGetCallParamsResponse(func(context.Context, *GetCallParamsResponse) error {
		time.Sleep(20 * time.Millisecond)
		close(handled)
		return nil
	})
	hookPost(d, hookText(7, "keeps Close draining"))
	_, cancel, _ := d.Waiters().Register(8, ActivityGetCallParamsResponse)
	hookPost(d, hookCallParams(8, "late"))
	closed := make(chan error, 1)
	go func() { closed <- d.Close(context.Background()) }()
	hookWaitFor(t, "Close to begin", func() bool { return hookPost(d, hookText(9, "new")) == http.StatusServiceUnavailable })
	cancel()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled:
	default:
		t.Error("Close returned before the late response was handled")
	}
}

// TestDispatcherCloseCountsWhatWasLeft: when Close gives up, its error
// tells events not handled from handlers still running, and every later
// Close says so again instead of returning nil.
func TestDispatcherCloseCountsWhatWasLeft(t *testing.T) {
	d := NewDispatcher(WithDispatchLogger(nil), WithWorkers(1))
	release := make(chan struct{})
	d.OnText(func(context.Context, *Text) error { <-release; return nil }) // ignores ctx
	for i := range 3 {
		hookPost(d, hookText(int64(i+1), "x"))
	}
	hookWaitFor(t, "the handler to run", func() bool { return d.Stats().Running == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := d.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "2 acked events not handled and 1 handlers still running") {
		t.Errorf("Close: %v", err)
	}
	close(release)
	hookWaitFor(t, "the handler to return", func() bool { return d.Stats().Running == 0 })
	err = d.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 acked events not handled and 0 handlers still running") {
		t.Errorf("second Close: %v, want the events still not handled", err)
	}
}

// TestDispatcherUndecodableBodyIsNotAckedWithoutRoom: a body Decode rejects
// is acked only when it was queued for OnError; with a full queue or after
// Close it gets 503 like any event.
func TestDispatcherUndecodableBodyIsNotAckedWithoutRoom(t *testing.T) {
	release := make(chan struct{})
	d := NewDispatcher(WithDispatchLogger(nil), WithQueueSize(1), WithAckBudget(10*time.Millisecond))
	var reported atomic.Int32
	d.OnError(func(context.Context, error, []byte) { reported.Add(1) })
	d.OnText(func(context.Context, *Text) error { <-release; return nil })
	hookPost(d, hookText(1, "fills the queue"))
	if code := hookPost(d, []byte(`{"activity":"Text","sessionId":"x"}`)); code != http.StatusServiceUnavailable {
		t.Errorf("undecodable body with a full queue: %d, want 503", code)
	}
	close(release)
	hookWaitFor(t, "room", func() bool { return d.Stats().QueueDepth == 0 })
	if code := hookPost(d, []byte(`not json`)); code != http.StatusOK {
		t.Errorf("undecodable body with room: %d, want 200", code)
	}
	hookClose(t, d)
	if code := hookPost(d, []byte(`not json`)); code != http.StatusServiceUnavailable {
		t.Errorf("undecodable body after Close: %d, want 503", code)
	}
	st := d.Stats()
	if reported.Load() != 1 || st.DecodeErrors != 3 || st.RejectedFull != 1 || st.RejectedClosing != 1 {
		t.Errorf("OnError saw %d; stats %+v", reported.Load(), st)
	}
}
