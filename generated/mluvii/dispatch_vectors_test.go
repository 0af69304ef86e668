package mluvii

// The dispatcher on every vector of the default spec. The dispatcher itself is
// tested beside its template (templates/runtime/dispatch*_test.go), against the
// fixture spec; these tests run the same checks on every activity the default
// spec generates an On… method for and on every vector of testdata/vectors.

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

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
