package mluvii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const hookSecret = "s3cret-Ω-42"

// newTestDispatcher returns a quiet dispatcher that is closed when the test
// ends (after cleanups registered later, such as releasing blocked handlers).
func newTestDispatcher(t testing.TB, opts ...DispatcherOption) *Dispatcher {
	t.Helper()
	d := NewDispatcher(append([]DispatcherOption{WithDispatchLogger(nil)}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// hookClose drains d, failing the test when that takes more than 10 s.
func hookClose(t testing.TB, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// post sends body to h as mluvii would and returns the status.
func hookPost(h http.Handler, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, "/mluvii", bytes.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func hookText(session int64, text string) []byte {
	b, _ := json.Marshal(map[string]any{"activity": "Text", "sessionId": session, "text": text})
	return b
}

func hookVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hookVectors lists the vectors mluvii could POST to the webhook.
func hookVectors(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "vectors", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	var names []string
	for _, p := range paths {
		n := filepath.Base(p)
		if strings.HasPrefix(n, "event.") || strings.HasPrefix(n, "response.") || strings.HasPrefix(n, "nasty.") {
			names = append(names, n)
		}
	}
	return names
}

// registerTyped registers a recording handler through the generated On…
// method of a's type, found by reflection so that every method is exercised.
func registerTyped(t *testing.T, d *Dispatcher, a Activity, calls chan<- string) {
	t.Helper()
	goName := reflect.TypeOf(a).Elem().Name()
	m := reflect.ValueOf(d).MethodByName("On" + goName)
	if !m.IsValid() {
		t.Fatalf("Dispatcher has no On%s", goName)
	}
	errType := reflect.TypeFor[error]()
	fn := reflect.MakeFunc(m.Type().In(0), func(args []reflect.Value) []reflect.Value {
		calls <- "typed:" + args[1].Interface().(Activity).ActivityName()
		return []reflect.Value{reflect.Zero(errType)}
	})
	m.Call([]reflect.Value{fn})
}

// TestDispatcherVectors sends every hookVectors vector through ServeHTTP: each is
// answered 200 and reaches the handler its decoding calls for.
func TestDispatcherVectors(t *testing.T) {
	for _, name := range hookVectors(t) {
		t.Run(name, func(t *testing.T) {
			body := hookVector(t, name)
			want, decErr := Decode(body)
			d := newTestDispatcher(t)
			calls := make(chan string, 8)
			var gotBody []byte
			d.OnActivity(func(_ context.Context, a Activity) error { calls <- "any:" + a.ActivityName(); return nil })
			d.OnUnknown(func(_ context.Context, u *Unknown) error { calls <- "unknown:" + u.Name; return nil })
			d.OnError(func(_ context.Context, err error, b []byte) { calls <- "error"; gotBody = b })
			isPing := false
			if decErr == nil {
				_, unknown := want.(*Unknown)
				isPing = !unknown && want.Session() == 0
				if !unknown && !isPing {
					registerTyped(t, d, want, calls)
				}
			}
			if code := hookPost(d, body); code != http.StatusOK {
				t.Fatalf("status %d, want 200", code)
			}
			hookClose(t, d)
			close(calls)
			var got []string
			for c := range calls {
				got = append(got, c)
			}
			st := d.Stats()
			switch u, unknown := want.(*Unknown); {
			case decErr != nil:
				if !reflect.DeepEqual(got, []string{"error"}) || !bytes.Equal(gotBody, body) || st.DecodeErrors != 1 {
					t.Errorf("undecodable: calls %q, raw body passed %v, stats %+v", got, bytes.Equal(gotBody, body), st)
				}
			case isPing:
				if len(got) != 0 || st.Pings != 1 || st.Enqueued != 0 {
					t.Errorf("ping: calls %q, stats %+v", got, st)
				}
			case unknown:
				if !reflect.DeepEqual(got, []string{"unknown:" + u.Name}) {
					t.Errorf("unknown: calls %q", got)
				}
			default:
				if !reflect.DeepEqual(got, []string{"typed:" + want.ActivityName()}) {
					t.Errorf("calls %q, want the typed %s handler", got, want.ActivityName())
				}
			}
			if st.Acked != 1 || st.Handled != st.Enqueued {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestDispatcherVectorOutcomes pins what a few vectors must do, whatever
// Decode's details.
func TestDispatcherVectorOutcomes(t *testing.T) {
	for name, want := range map[string]string{
		"event.Ping.json":                     "ping",
		"event.Ping.camelCase.json":           "ping",
		"event.Text.json":                     "Text",
		"nasty.event.Text.PascalCase.json":    "Text",
		"response.GetCallParamsResponse.json": "GetCallParamsResponse",
		"nasty.event.unknownActivity.json":    "unknown",
		"nasty.event.notJson.txt":             "error",
		"nasty.event.truncated.json":          "error",
		"nasty.event.arrayRoot.json":          "error",
	} {
		a, err := Decode(hookVector(t, name))
		got := "error"
		if err == nil {
			got = a.ActivityName()
			if _, ok := a.(*Unknown); ok {
				got = "unknown"
			} else if a.Session() == 0 {
				got = "ping"
			}
		}
		if got != want {
			t.Errorf("%s: dispatched as %s, want %s", name, got, want)
		}
	}
}

// TestDispatcherOnMethods checks that exactly the activities mluvii sends
// with a session have a typed On… method of the right type.
func TestDispatcherOnMethods(t *testing.T) {
	dt := reflect.TypeFor[*Dispatcher]()
	for _, info := range Activities() {
		m, ok := dt.MethodByName("On" + info.GoName)
		wantMethod := info.Received && info.HasSession
		if ok != wantMethod {
			t.Errorf("On%s exists: %v, want %v", info.GoName, ok, wantMethod)
			continue
		}
		if !ok {
			continue
		}
		a := NewActivity(info.Name)
		want := reflect.FuncOf([]reflect.Type{reflect.TypeFor[context.Context](), reflect.TypeOf(a)}, []reflect.Type{reflect.TypeFor[error]()}, false)
		if got := m.Type.In(1); got != want {
			t.Errorf("On%s takes %v, want %v", info.GoName, got, want)
		}
	}
}

// spyBody fails the test if the dispatcher reads it.
type spyBody struct {
	t    *testing.T
	read bool
}

func (b *spyBody) Read(p []byte) (int, error) { b.read = true; return 0, io.EOF }
func (b *spyBody) Close() error               { return nil }

func TestDispatcherAuth(t *testing.T) {
	body := hookText(1, "hi")
	transports := map[string]func(r *http.Request, secret string){
		"query":  func(r *http.Request, s string) { r.URL.RawQuery = "a=1&" + hookQuery("secret="+s) },
		"header": func(r *http.Request, s string) { r.Header.Set("X-Mluvii-Secret", s) },
		"basic":  func(r *http.Request, s string) { r.SetBasicAuth("mluvii", s) },
	}
	d := newTestDispatcher(t, WithCallbackSecret(hookSecret))
	d.OnText(func(context.Context, *Text) error { return nil })
	for tname, set := range transports {
		for _, c := range []struct {
			name, secret string
			want         int
		}{
			{"missing", "", http.StatusUnauthorized},
			{"wrong", "s3cret-Ω-43", http.StatusUnauthorized},
			{"prefix", hookSecret[:4], http.StatusUnauthorized},
			{"right", hookSecret, http.StatusOK},
		} {
			spy := &spyBody{t: t}
			r := httptest.NewRequest(http.MethodPost, "/mluvii", nil)
			if c.want == http.StatusOK {
				r.Body = io.NopCloser(bytes.NewReader(body))
			} else {
				r.Body = spy
			}
			if c.secret != "" {
				set(r, c.secret)
			}
			w := httptest.NewRecorder()
			d.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Errorf("%s/%s: status %d, want %d", tname, c.name, w.Code, c.want)
			}
			if spy.read {
				t.Errorf("%s/%s: body read before authentication", tname, c.name)
			}
		}
	}
	if st := d.Stats(); st.Unauthorized != 9 || st.Acked != 3 {
		t.Errorf("stats %+v, want 9 unauthorized and 3 acked", st)
	}
}

// hookQuery escapes the value of a "name=value" query.
func hookQuery(q string) string {
	name, value, _ := strings.Cut(q, "=")
	return name + "=" + url.QueryEscape(value)
}

func TestDispatcherAuthOptions(t *testing.T) {
	req := func(path string, hdr map[string]string, method string) *http.Request {
		r := httptest.NewRequest(method, path, bytes.NewReader(hookText(1, "x")))
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return r
	}
	status := func(d *Dispatcher, r *http.Request) int {
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		return w.Code
	}
	open := newTestDispatcher(t)
	if got := status(open, req("/", nil, http.MethodPost)); got != http.StatusOK {
		t.Errorf("no secret configured: %d, want 200", got)
	}
	empty := newTestDispatcher(t, WithCallbackSecret(""))
	if got := status(empty, req("/?secret=", nil, http.MethodPost)); got != http.StatusUnauthorized {
		t.Errorf("empty secret: %d, want 401 (fail closed)", got)
	}
	custom := newTestDispatcher(t, WithCallbackSecret("old"), WithCallbackSecret("new"),
		WithSecretParam("token"), WithSecretHeader("X-Bot-Token"))
	for _, c := range []struct {
		r    *http.Request
		want int
	}{
		{req("/?token=old", nil, http.MethodPost), 200},
		{req("/?token=new", nil, http.MethodPost), 200},
		{req("/?secret=new", nil, http.MethodPost), 401},
		{req("/", map[string]string{"X-Bot-Token": "new"}, http.MethodPost), 200},
		{req("/", map[string]string{"X-Mluvii-Secret": "new"}, http.MethodPost), 401},
		{req("/", nil, http.MethodGet), 401},
		{req("/?token=new", nil, http.MethodGet), 200},
		{req("/?token=new", nil, http.MethodHead), 200},
		{req("/?token=new", nil, http.MethodPut), 405},
	} {
		if got := status(custom, c.r); got != c.want {
			t.Errorf("%s %s %v: %d, want %d", c.r.Method, c.r.URL, c.r.Header, got, c.want)
		}
	}
}

// TestDispatcherLogRedaction checks that neither secrets nor query strings
// nor bodies reach the log.
func TestDispatcherLogRedaction(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := NewDispatcher(WithDispatchLogger(log), WithCallbackSecret(hookSecret), WithWorkers(1), WithQueueSize(1), WithAckBudget(10*time.Millisecond))
	release := make(chan struct{})
	d.OnText(func(context.Context, *Text) error { <-release; return errors.New("handler failed") })
	for _, q := range []string{"secret=" + hookSecret, "secret=wrong-guess-123"} {
		for _, b := range [][]byte{hookText(1, "private words"), []byte(`{"private words"`), hookText(2, "private words")} {
			r := httptest.NewRequest(http.MethodPost, "/hook?"+hookQuery(q), bytes.NewReader(b))
			d.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	close(release)
	hookClose(t, d)
	out := buf.String()
	for _, leak := range []string{hookSecret, "wrong-guess-123", "private words", "secret="} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "unauthorized") || !strings.Contains(out, "refused") {
		t.Errorf("log misses the expected lines:\n%s", out)
	}
}

func TestDispatcherBodyLimit(t *testing.T) {
	const limit = 256
	d := newTestDispatcher(t, WithMaxBodyBytes(limit))
	fits := hookText(1, "")
	fits = hookText(1, strings.Repeat("x", limit-len(fits)))
	if len(fits) != limit {
		t.Fatalf("body is %d bytes", len(fits))
	}
	tooBig := hookText(1, strings.Repeat("x", limit-len(hookText(1, ""))+1))
	if got := hookPost(d, fits); got != http.StatusOK {
		t.Errorf("%d bytes: %d, want 200", len(fits), got)
	}
	if got := hookPost(d, tooBig); got != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes with Content-Length: %d, want 413", len(tooBig), got)
	}
	r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(bytes.NewReader(tooBig)))
	r.ContentLength = -1 // chunked: the limit must hold while reading
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes chunked: %d, want 413", len(tooBig), w.Code)
	}
	if st := d.Stats(); st.TooLarge != 2 || st.Acked != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherReadDeadline: a sender that stalls mid-body gets 408 once
// the read timeout passes, instead of holding the connection.
func TestDispatcherReadDeadline(t *testing.T) {
	d := newTestDispatcher(t, WithReadTimeout(200*time.Millisecond))
	srv := httptest.NewServer(d)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"activity\":")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := hookReadLine(conn)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if !strings.Contains(line, " 408 ") {
		t.Errorf("answer %q, want 408", line)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("answered after %v", el)
	}
	if st := d.Stats(); st.ReadErrors != 1 {
		t.Errorf("stats %+v", st)
	}
}

func hookReadLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := r.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

// TestDispatcherPingAndDecodeErrors: Ping is answered without queueing; an
// undecodable body is answered 200 and reported with its raw bytes.
func TestDispatcherPingAndDecodeErrors(t *testing.T) {
	d := newTestDispatcher(t)
	reported := make(chan []byte, 1)
	d.OnError(func(_ context.Context, err error, body []byte) {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("OnError got %T, want *DecodeError", err)
		}
		reported <- body
	})
	d.OnActivity(func(_ context.Context, a Activity) error {
		t.Errorf("handler called for %s", a.ActivityName())
		return nil
	})
	for _, b := range []string{`{"Activity":"Ping"}`, `{"activity":"Ping"}`, `{"ACTIVITY":"ping"}`} {
		if got := hookPost(d, []byte(b)); got != http.StatusOK {
			t.Errorf("%s: %d", b, got)
		}
	}
	garbage := []byte("activity=Text&sessionId=1")
	if got := hookPost(d, garbage); got != http.StatusOK {
		t.Errorf("garbage: %d, want 200", got)
	}
	if got := <-reported; !bytes.Equal(got, garbage) {
		t.Errorf("OnError body %q", got)
	}
	hookClose(t, d)
	if st := d.Stats(); st.Pings != 3 || st.DecodeErrors != 1 || st.Acked != 4 || st.Enqueued != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestDispatcherRegisterWhileServing swaps handlers while events flow (run
// with -race): every event reaches exactly one of them, and a registration
// applies to what is handled after it.
func TestDispatcherRegisterWhileServing(t *testing.T) {
	d := newTestDispatcher(t, WithWorkers(4))
	var first, second, fallback hookCounter
	d.OnActivity(fallback.any)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 400 {
			if hookPost(d, hookText(int64(i%7+1), "x")) != http.StatusOK {
				t.Error("not acked")
			}
		}
	}()
	for i := range 50 {
		if i%2 == 0 {
			d.OnText(first.text)
		} else {
			d.OnText(second.text)
		}
		time.Sleep(100 * time.Microsecond)
	}
	d.OnText(nil)
	<-done
	hookClose(t, d)
	if n := first.n.Load() + second.n.Load() + fallback.n.Load(); n != 400 {
		t.Errorf("%d events handled, want 400", n)
	}
	d2 := newTestDispatcher(t)
	d2.OnText(first.text)
	hookPost(d2, hookText(1, "a"))
	hookClose(t, d2)
	d2.OnText(nil) // after Close: harmless
}
