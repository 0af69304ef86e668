package mluviinats

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// testServer is an embedded NATS server with JetStream on 127.0.0.1 that a
// test can restart on the same port and store.
type testServer struct {
	t    testing.TB
	dir  string
	port int
	s    *server.Server
}

func startNATS(t testing.TB) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: t.TempDir(), port: -1}
	ts.start()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) start() {
	ts.t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: ts.port, JetStream: true,
		StoreDir: ts.dir, NoLog: true, NoSigs: true})
	if err != nil {
		ts.t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		ts.t.Fatal("nats-server did not start")
	}
	ts.s = s
	ts.port = s.Addr().(*net.TCPAddr).Port
}

func (ts *testServer) stop() {
	if ts.s != nil {
		ts.s.Shutdown()
		ts.s.WaitForShutdown()
		ts.s = nil
	}
}

func (ts *testServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", ts.port) }

func (ts *testServer) connect(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(ts.url(), nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1),
		nats.ReconnectJitter(0, 0), nats.Timeout(2*time.Second),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

// testConfig is a Config with short timers, so failures recover in a second.
func testConfig() Config {
	return Config{Partitions: 8, AckWait: time.Second, PullWait: 300 * time.Millisecond,
		WaitTTL: 10 * time.Second, OpTimeout: 2 * time.Second, Logger: quiet}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// ledger records what every replica's handlers did, by event: an event is
// "s/n", the n-th Text of session s.
type ledger struct {
	mu        sync.Mutex
	acked     map[string]bool
	done      map[string]int // handlers that ran to the end
	last      map[int64]int  // the last n finished per session
	running   map[int64]int  // handlers of a session running now
	misorder  int            // an event finished after a later one of its session
	overlap   int            // two handlers of one session at once
	completed atomic.Int64
	dupNote   []string
	hold      chan struct{} // when set, handlers start their work once it is closed
}

func newLedger() *ledger {
	return &ledger{acked: map[string]bool{}, done: map[string]int{}, last: map[int64]int{}, running: map[int64]int{}}
}

// replica is one bot process: its NATS connection, cluster, dispatcher and
// HTTP server.
type replica struct {
	name    string
	nc      *nats.Conn
	c       *Cluster
	d       *Dispatcher
	srv     *httptest.Server
	dead    atomic.Bool   // crashed: its handlers never finish
	release chan struct{} // closed at cleanup: the crashed handlers return
	down    atomic.Bool   // the front sends it nothing
}

func startReplica(t testing.TB, ts *testServer, name string, cfg Config, l *ledger, work time.Duration, opts ...DispatcherOption) *replica {
	t.Helper()
	return startReplicaWith(t, ts, name, cfg, l, work, func(*Cluster) []DispatcherOption { return opts })
}

// startReplicaWith is startReplica with dispatcher options that depend on
// the replica's cluster.
func startReplicaWith(t testing.TB, ts *testServer, name string, cfg Config, l *ledger, work time.Duration, opts func(*Cluster) []DispatcherOption) *replica {
	t.Helper()
	r := &replica{name: name, nc: ts.connect(t), release: make(chan struct{})}
	var err error
	if r.c, err = New(context.Background(), r.nc, cfg); err != nil {
		t.Fatal(err)
	}
	r.d = mluvii.NewDispatcher(append(append(r.c.DispatcherOptions(), mluvii.WithDispatchLogger(quiet)), opts(r.c)...)...)
	r.d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		var n int
		fmt.Sscan(a.Text, &n)
		key := fmt.Sprintf("%d/%d", a.SessionID, n)
		if r.dead.Load() {
			<-r.release // a crashed process never returns
			return nil
		}
		l.mu.Lock()
		l.running[a.SessionID]++
		if l.running[a.SessionID] > 1 {
			l.overlap++
		}
		l.mu.Unlock()
		if l.hold != nil {
			<-l.hold
		}
		time.Sleep(work)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.running[a.SessionID]--
		if r.dead.Load() {
			l.mu.Unlock()
			<-r.release
			l.mu.Lock()
			return nil
		}
		l.done[key]++
		if l.done[key] > 1 {
			l.dupNote = append(l.dupNote, fmt.Sprintf("%s again on %s: %+v", key, r.name, r.c.Stats()))
		}
		if prev, ok := l.last[a.SessionID]; ok && prev >= n && l.done[key] == 1 {
			l.misorder++
		}
		l.last[a.SessionID] = max(l.last[a.SessionID], n)
		l.completed.Add(1)
		return nil
	})
	r.d.Start()
	r.srv = httptest.NewServer(r.d)
	t.Cleanup(r.cleanup)
	return r
}

// kill crashes the replica: the front stops sending to it, its handlers stop
// where they are (never finishing, never acknowledged), and, once the
// acknowledgements of the handlers that finished before are out, its NATS
// connection drops.
func (r *replica) kill() {
	r.down.Store(true)
	r.dead.Store(true)
	time.Sleep(200 * time.Millisecond)
	r.nc.Close()
}

func (r *replica) cleanup() {
	r.down.Store(true)
	select {
	case <-r.release:
	default:
		close(r.release)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.d.Close(ctx)
	r.srv.Close()
	r.nc.Close()
}

// front is the load balancer: round robin over the replicas that are up,
// trying the next one when a replica fails (as mluvii's retry would).
type front struct {
	mu   sync.Mutex
	reps []*replica
	next int
	hc   *http.Client
}

func newFront(reps ...*replica) *front {
	return &front{reps: reps, hc: &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}}
}

func (f *front) add(r *replica) {
	f.mu.Lock()
	f.reps = append(f.reps, r)
	f.mu.Unlock()
}

// post delivers body, retrying for up to 5 s; it reports whether a replica
// acked it (200).
func (f *front) post(body []byte) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		r := f.reps[f.next%len(f.reps)]
		f.next++
		f.mu.Unlock()
		if r.down.Load() {
			continue
		}
		resp, err := f.hc.Post(r.srv.URL, "application/json", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (f *front) close() { f.hc.CloseIdleConnections() }

func textBody(session int64, n int) []byte {
	return fmt.Appendf(nil, `{"activity":"Text","sessionId":%d,"text":"%d"}`, session, n)
}

// send posts n Texts to each of sessions sessions, each session's in order
// from its own goroutine, with a pause between them; mid is called once,
// when half of them were sent.
func send(f *front, l *ledger, sessions, n int, pause time.Duration, mid func()) {
	var wg sync.WaitGroup
	var sent atomic.Int64
	var once sync.Once
	for s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				session := int64(1000 + s)
				if f.post(textBody(session, i)) {
					l.mu.Lock()
					l.acked[fmt.Sprintf("%d/%d", session, i)] = true
					l.mu.Unlock()
				}
				if sent.Add(1) == int64(sessions*n/2) && mid != nil {
					once.Do(func() { go mid() })
				}
				time.Sleep(pause)
			}
		}()
	}
	wg.Wait()
}

// settle waits (at most 20 s) until every acked event finished, then a little
// longer for duplicates, and returns the counts.
func (l *ledger) settle(t testing.TB) (acked, lost, dup int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l.mu.Lock()
		lost = 0
		for k := range l.acked {
			if l.done[k] == 0 {
				lost++
			}
		}
		l.mu.Unlock()
		if lost == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a redelivery would come within AckWait
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, n := range l.done {
		if n > 1 {
			dup += n - 1
		}
		if !l.acked[k] {
			t.Logf("event %s ran but was not acked (its ack answer was lost)", k)
		}
	}
	for _, n := range l.dupNote {
		t.Log(n)
	}
	return len(l.acked), lost, dup
}

// checkGoroutines fails when goroutines started by the test are left after
// cleanup (it runs as the last cleanup).
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines left behind:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}
