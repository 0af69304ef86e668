package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// heldBot is a bot's webhook that acks only once release is called.
func heldBot(t *testing.T, m *mock) (arrived *atomic.Int64, release func()) {
	arrived = new(atomic.Int64)
	hold := make(chan struct{})
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	m.fake.SetCallbackURL(srv)
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	return arrived, release
}

// Beyond the page API's bound (--max-inflight) or the fake's deliveries
// (--max-deliveries), POST /chat/start answers 503 with Retry-After at once;
// what was taken on completes.
func TestPageOverload(t *testing.T) {
	const limit, sent = 4, 20
	for name, lim := range map[string]limits{
		"max-inflight":   {maxInFlight: limit, maxDeliveries: 100},
		"max-deliveries": {maxInFlight: 100, maxDeliveries: limit},
	} {
		t.Run(name, func(t *testing.T) {
			m := startMock(t, config{limits: lim})
			arrived, release := heldBot(t, m)
			type answer struct {
				code       int
				retryAfter string
			}
			answers := make(chan answer, sent)
			for range sent {
				go func() {
					resp, err := http.Post(m.cfg.baseURL+"/chat/start", "application/json", strings.NewReader(`{}`))
					if err != nil {
						answers <- answer{code: -1}
						return
					}
					resp.Body.Close()
					answers <- answer{resp.StatusCode, resp.Header.Get("Retry-After")}
				}()
			}
			counts := map[int]int{}
			deadline := time.After(5 * time.Second)
			for i := range sent - limit {
				select {
				case a := <-answers:
					if a.code == http.StatusServiceUnavailable && a.retryAfter == "" {
						t.Error("503 without Retry-After")
					}
					counts[a.code]++
				case <-deadline:
					t.Fatalf("%d of %d starts beyond the bound answered within 5 s (%v); the rest hang", i, sent-limit, counts)
				}
			}
			for arrived.Load() < limit {
				time.Sleep(time.Millisecond)
			}
			release()
			for range limit {
				counts[(<-answers).code]++
			}
			if counts[http.StatusServiceUnavailable] != sent-limit || counts[200] != limit {
				t.Errorf("answers %v; want %d × 503 and %d × 200", counts, sent-limit, limit)
			}
			resp, err := http.Get(m.cfg.baseURL + "/chat/stats")
			if err != nil {
				t.Fatal(err)
			}
			var st statsView
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if err != nil || st.OpenSessions != limit || st.RefusedPageRequests+st.RefusedDeliveries != sent-limit {
				t.Errorf("GET /chat/stats: %+v %v", st, err)
			}
		})
	}
}

// The page's event streams are bounded too.
func TestEventStreamsBounded(t *testing.T) {
	m := startMock(t, config{limits: limits{maxStreams: 2}})
	for range 2 {
		openEvents(t, m, "", nil)
	}
	resp, err := http.Get(m.cfg.baseURL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third stream: %d", resp.StatusCode)
	}
}

// Ended sessions are released after --keep-ended; the page API then answers
// 404 for them, and the stderr log goes on past entries the transcript no
// longer holds, even one whose delivery was pending when it went.
func TestReleasedSessionsAndLog(t *testing.T) {
	m := startMock(t, config{limits: limits{keepEnded: 2, keepEntries: 3}})
	release := make(chan struct{})
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"text":"slow"`)) {
			<-release
		}
	}))
	m.fake.SetCallbackURL(srv)
	defer close(release)
	var log syncBuffer
	go logTranscript(m, &lockedWriter{w: &log})

	first := start(t, m, mluvii.ChannelWebChat)
	go func() {
		resp, err := http.Post(m.cfg.baseURL+"/chat/text", "application/json", strings.NewReader(fmt.Sprintf(`{"sessionId":%d,"text":"slow"}`, first)))
		if err == nil {
			resp.Body.Close()
		}
	}()
	for len(m.fake.Transcript()) < 2 { // #2, the slow Text, pending
		time.Sleep(time.Millisecond)
	}
	var ids []int64
	for range 5 {
		id := start(t, m, mluvii.ChannelWebChat)
		if code, res := post(t, m, "/chat/end", map[string]any{"sessionId": id}); code != 200 {
			t.Fatalf("end: %d %v", code, res)
		}
		ids = append(ids, id)
	}
	// #1 and #2 left the transcript (3 entries kept): the log goes on to #12.
	waitFor(t, &log, regexp.MustCompile(`(#12) `))
	if code, _ := post(t, m, "/chat/text", map[string]any{"sessionId": ids[0], "text": "hi"}); code != http.StatusNotFound {
		t.Errorf("text in a released session: %d, want 404", code)
	}
	if code, _ := post(t, m, "/chat/text", map[string]any{"sessionId": ids[4], "text": "hi"}); code != http.StatusConflict {
		t.Errorf("text in a kept ended session: %d, want 409", code)
	}
	if st := m.fake.Stats(); st.EndedSessions != 2 || st.ReleasedSessions != 3 || st.OpenSessions != 1 {
		t.Errorf("Stats: %+v", st)
	}
}

func TestLimitFlags(t *testing.T) {
	o, err := parseArgs(nil, io.Discard)
	if err != nil || o.limits != defaultLimits() {
		t.Errorf("defaults: %+v %v", o.limits, err)
	}
	o, err = parseArgs([]string{"--retention", "5m", "--keep-ended", "0", "--keep-entries", "-1", "--max-open", "7",
		"--max-inflight", "8", "--max-deliveries", "9", "--max-streams", "3"}, io.Discard)
	want := limits{retention: 5 * time.Minute, keepEnded: 0, keepEntries: -1, maxOpen: 7, maxInFlight: 8, maxDeliveries: 9, maxStreams: 3}
	if err != nil || o.limits != want {
		t.Errorf("flags: %+v %v", o.limits, err)
	}
}
