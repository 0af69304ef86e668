package mluviinats

// Tests added by the review on branch natsreview: each one reproduces a
// problem found in cluster.go (see the report).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

func newTestCluster(t *testing.T, ts *testServer, cfg Config) *Cluster {
	t.Helper()
	nc := ts.connect(t)
	c, err := New(context.Background(), nc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); nc.Close() })
	return c
}

func takeWithin(c *Cluster, d time.Duration) (QueuedEvent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.Take(ctx)
}

func streamMsgs(t *testing.T, c *Cluster) uint64 {
	t.Helper()
	s, err := c.js.Stream(context.Background(), c.cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().State.Msgs
}

// TestHeldEventRedeliveredToSameReplica: when JetStream delivers again an
// event this replica still holds (its heartbeats were lost for AckWait: a
// NATS outage or restart longer than AckWait while the handler runs), the
// puller of that partition — free again, since it handed the event on —
// fetches it and hands it to the dispatcher a second time. The event runs
// twice on the same replica, and the second Done finds no flight and never
// gives its slot back: Len stays 1 forever, and MaxInFlight such leaks stop
// the replica. The Nak here stands for "the server redelivered it".
func TestHeldEventRedeliveredToSameReplica(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.Partitions = 1
	c := newTestCluster(t, ts, cfg)
	ctx := context.Background()
	if err := c.Put(ctx, QueuedEvent{SessionID: 1, Name: "Text", Body: textBody(1, 0), Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e1, err := takeWithin(c, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	held := c.flights[e1.ID].msg
	c.mu.Unlock()
	_ = held.Nak() // the server gives the event out again while its handler runs

	e2, err := takeWithin(c, 2*time.Second)
	if err == nil {
		t.Errorf("event %d handed to the dispatcher again while this replica still holds it", e2.ID)
	}
	c.Done(e1)
	if err == nil {
		c.Done(e2)
	}
	if n := c.Len(); n != 0 {
		t.Errorf("Len = %d after every taken event was Done: a slot leaked", n)
	}
	waitFor(t, "the event to be acknowledged (stream empty)", func() bool { return streamMsgs(t, c) == 0 })
}

// flakyKV fails Get while fail is set, as a KV call does while NATS is
// reconnecting (a timeout).
type flakyKV struct {
	jetstream.KeyValue
	fail atomic.Bool
}

func (k *flakyKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	if k.fail.Load() {
		return nil, context.DeadlineExceeded
	}
	return k.KeyValue.Get(ctx, key)
}

// TestRedeliveryOfFinishedEventWhileDoneLookupFails: an event that ran to the
// end on replica 1 (recorded in DONE) whose acknowledgement was lost is
// delivered to replica 2. isFinished treats any error of the DONE lookup
// (a timeout during a NATS flap) as "not finished", and the event runs a
// second time to the end.
func TestRedeliveryOfFinishedEventWhileDoneLookupFails(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.Partitions = 1
	c1 := newTestCluster(t, ts, cfg)
	ctx := context.Background()
	if err := c1.Put(ctx, QueuedEvent{SessionID: 1, Name: "Text", Body: textBody(1, 0), Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e, err := takeWithin(c1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Replica 1 finishes the event: the record is stored, the ack is lost
	// (it never leaves, and replica 1 stops).
	if _, err := c1.done.Put(ctx, doneKey(e.ID), nil); err != nil {
		t.Fatal(err)
	}
	c1.mu.Lock()
	msg := c1.flights[e.ID].msg
	delete(c1.flights, e.ID)
	c1.mu.Unlock()
	<-c1.slots
	c1.Close()

	c2 := newTestCluster(t, ts, cfg)
	kv := &flakyKV{KeyValue: c2.done}
	kv.fail.Store(true)
	c2.mu.Lock() // the puller reads c.done after taking mu
	c2.done = kv
	c2.mu.Unlock()
	_ = msg.Nak() // what AckWait does to the unacknowledged event

	if again, err := takeWithin(c2, 3*time.Second); err == nil {
		t.Errorf("event %d, recorded as finished, handed out again because the DONE lookup failed", again.ID)
		c2.Done(again)
	}
}

// TestGracefulCloseStopsHeartbeat: the dispatcher's Close closes the queue
// first and then waits for the running handlers; Cluster.Close stops the
// heartbeat at once, so a handler that outlives AckWait during a graceful
// shutdown (a rolling deploy) loses its event to another replica, which runs
// it at the same time, a second time.
func TestGracefulCloseStopsHeartbeat(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	cfg := testConfig() // AckWait 1 s
	a := startReplica(t, ts, "a", cfg, l, 2500*time.Millisecond)
	b := startReplica(t, ts, "b", cfg, l, 5*time.Millisecond)
	fa := newFront(a)
	defer fa.close()
	if !fa.post(textBody(42, 0)) {
		t.Fatal("event not acked")
	}
	l.mu.Lock()
	l.acked["42/0"] = true
	l.mu.Unlock()
	waitFor(t, "a's handler to start", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.running[42] == 1
	})
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- a.d.Close(ctx) // graceful: waits for a's handler
	}()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	_, lost, dup := l.settle(t)
	if lost != 0 || dup != 0 || l.overlap != 0 {
		t.Errorf("lost %d, duplicated %d, overlapping %d; want 0, 0, 0 (b: %+v)", lost, dup, l.overlap, b.c.Stats())
	}
}

// TestClaimDuringGracefulClose: the claim of an …AndWait still waiting while
// the dispatcher drains (Close lets handlers blocked in …AndWait finish) is
// no longer refreshed once the queue is closed: after WaitTTL another replica
// claims the same response, and ErrInFlight no longer holds cluster-wide.
func TestClaimDuringGracefulClose(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.WaitTTL = 600 * time.Millisecond
	a := newTestCluster(t, ts, cfg)
	b := newTestCluster(t, ts, cfg)
	release, err := a.Reserve(9, mluvii.ActivityGetCallParamsResponse, func(Activity) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	a.Close() // what the dispatcher's Close does first
	time.Sleep(3 * cfg.WaitTTL)
	if rb, err := b.Reserve(9, mluvii.ActivityGetCallParamsResponse, func(Activity) bool { return false }); !errors.Is(err, mluvii.ErrInFlight) {
		t.Errorf("B claimed the response A still waits for: %v, want ErrInFlight", err)
		if err == nil {
			rb()
		}
	}
}

// TestPutWithExpiredContext: the Queue contract says Put takes an event when
// there is room even if ctx is already done (a slow body must not be
// refused by a queue with room); Cluster.Put hands ctx to the publish, which
// fails at once.
func TestPutWithExpiredContext(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	c := newTestCluster(t, ts, testConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Put(ctx, QueuedEvent{SessionID: 1, Name: "Text", Body: textBody(1, 0), Received: time.Now()}); err != nil {
		t.Errorf("Put with room and a done ctx: %v, want it stored", err)
	}
}

// TestPutStreamFull: a full stream (MaxBytes, DiscardNew) is meant to be
// reported as ErrQueueFull; jetstream.ErrMaxBytesExceeded is the pull status
// error, never returned by a publish, so the branch is dead.
func TestPutStreamFull(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.MaxBytes = 4096
	c := newTestCluster(t, ts, cfg)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		body := append(fmt.Appendf(nil, "%03d", i), bytes.Repeat([]byte("x"), 500)...) // distinct: not deduplicated
		err = c.Put(context.Background(), QueuedEvent{SessionID: 1, Name: "Text", Body: body, Received: time.Now()})
		if err == nil && i == 99 {
			t.Fatal("stream never full")
		}
	}
	if !errors.Is(err, mluvii.ErrQueueFull) {
		t.Errorf("Put into a full stream: %v, want ErrQueueFull", err)
	}
}

// TestBodyOverMaxPayloadRefused: a body larger than one NATS message can
// carry is answered 413 at once by a dispatcher on the cluster, not 503
// (which mluvii would retry forever).
func TestBodyOverMaxPayloadRefused(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	r := startReplica(t, ts, "a", testConfig(), newLedger(), 0)
	body := append([]byte(`{"activity":"Text","sessionId":1,"text":"`), bytes.Repeat([]byte("x"), int(r.nc.MaxPayload()))...)
	body = append(body, `"}`...)
	resp, err := http.Post(r.srv.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte body (max_payload %d): %d, want 413", len(body), r.nc.MaxPayload(), resp.StatusCode)
	}
	if !(&front{reps: []*replica{r}, hc: http.DefaultClient}).post(textBody(1, 0)) {
		t.Error("a small body was not acked")
	}
}

// TestConcurrentFirstStart: two replicas starting at once against a fresh
// server both find the stream missing and both create it.
func TestConcurrentFirstStart(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			nc := ts.connect(t)
			defer nc.Close()
			c, err := New(context.Background(), nc, testConfig())
			errs[i] = err
			if err == nil {
				c.Close()
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
}

// TestNATSOutageLongerThanAckWaitDuringHandler: the realistic way to
// TestHeldEventRedeliveredToSameReplica. NATS restarts and is down longer
// than AckWait while a handler runs: the event is delivered again once it is
// back, to this same replica (the only one), which runs it a second time
// and leaks a slot.
func TestNATSOutageLongerThanAckWaitDuringHandler(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	cfg := testConfig() // AckWait 1 s
	a := startReplica(t, ts, "a", cfg, l, 3*time.Second)
	f := newFront(a)
	defer f.close()
	if !f.post(textBody(7, 0)) {
		t.Fatal("event not acked")
	}
	l.mu.Lock()
	l.acked["7/0"] = true
	l.mu.Unlock()
	waitFor(t, "the handler to start", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.running[7] == 1
	})
	ts.stop()
	time.Sleep(1500 * time.Millisecond)
	ts.start()
	_, lost, dup := l.settle(t)
	time.Sleep(4 * time.Second) // a second run takes 3 s
	l.mu.Lock()
	dup = l.done["7/0"] - 1
	l.mu.Unlock()
	if lost != 0 || dup != 0 || a.c.Len() != 0 {
		t.Errorf("lost %d, duplicated %d, Len %d; want 0, 0, 0 (%+v)", lost, dup, a.c.Len(), a.c.Stats())
	}
}

// TestReplicasWithDifferentAckWait: a replica configured with another
// AckWait than the consumers were made with fails in New (its heartbeat
// would be too slow for them, and its handlers' events run twice), instead
// of silently rewriting them under the running replicas.
func TestReplicasWithDifferentAckWait(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	slow := testConfig()
	slow.AckWait = 6 * time.Second
	startReplica(t, ts, "a", slow, newLedger(), 0)
	nc := ts.connect(t)
	defer nc.Close()
	_, err := New(context.Background(), nc, testConfig())
	if !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "AckWait 6s") {
		t.Errorf("a replica with AckWait 1s beside one with 6s: %v, want ErrSetup naming AckWait", err)
	}
	other := slow
	other.WaitTTL = time.Minute
	if _, err := New(context.Background(), nc, other); !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "TTL") {
		t.Errorf("a replica with another WaitTTL: %v, want ErrSetup naming the TTL", err)
	}
	if c, err := New(context.Background(), nc, slow); err != nil {
		t.Errorf("a replica with the same Config: %v", err)
	} else {
		c.Close()
	}
}

// TestPartitionConsumerDeleted: a partition's durable consumer deleted under
// a running cluster (an operator, a tool, a stream edit) stops that
// partition silently: Put still stores and mluvii gets 200, the puller's
// errors are neither logged nor counted, and nothing recreates the consumer,
// so the partition's acked events are never handled.
func TestPartitionConsumerDeleted(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.Partitions = 1
	c := newTestCluster(t, ts, cfg)
	ctx := context.Background()
	if err := c.js.DeleteConsumer(ctx, cfg.withDefaults().Stream, "p000"); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, QueuedEvent{SessionID: 1, Name: "Text", Body: textBody(1, 0), Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := takeWithin(c, 3*time.Second); err != nil {
		t.Errorf("an acked event of a partition whose consumer was deleted is never handled: %v (%+v)", err, c.Stats())
	}
}

// TestForeignMessagesRemoved: a message on a partition's subject that Put
// did not publish (no session header, or a session of another partition) is
// removed and counted, never handed to the dispatcher; a subject outside the
// partitions is not stored at all.
func TestForeignMessagesRemoved(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	c := newTestCluster(t, ts, cfg)
	ctx := context.Background()
	other := int64(1)
	for Partition(other, cfg.Partitions) == 0 {
		other++
	}
	for _, session := range []string{"", "x", fmt.Sprint(other)} {
		m := &nats.Msg{Subject: c.eventSubject(0), Header: nats.Header{}, Data: textBody(other, 0)}
		if session != "" {
			m.Header.Set(hdrSession, session)
		}
		if _, err := c.js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.js.Publish(ctx, cfg.withDefaults().Prefix+".events.x", textBody(1, 0)); err == nil {
		t.Error("a subject outside the partitions was stored")
	}
	if e, err := takeWithin(c, time.Second); err == nil {
		t.Errorf("a foreign message was handed out: %+v", e)
	}
	if got := c.Stats().Foreign; got != 3 {
		t.Errorf("Stats().Foreign = %d, want 3", got)
	}
}
