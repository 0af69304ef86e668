package mluvii_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// A minimal bot: it answers every guest message. mluvii POSTs the message to
// the webhook; the dispatcher acks it at once and runs the handler, which
// answers through the client. Asked for an operator, it looks for an online
// group with GetAvailableGroupsAndWait, whose answer also arrives at the
// webhook, and hands off. It remembers each conversation's message count in
// the dispatcher's session state.
func Example_minimalBot() {
	type conversation struct{ Messages int }
	state := mluvii.NewSessionState[conversation]() // dropped 30 min after the last message
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret(os.Getenv("MLUVII_CALLBACK_SECRET")),
		mluvii.WithSessionState(state))
	client := mluvii.NewClient("https://app.mluvii.com", 4005003,
		mluvii.WithClientCredentials(os.Getenv("MLUVII_CLIENT_ID"), os.Getenv("MLUVII_CLIENT_SECRET")),
		mluvii.WithDispatcher(d)) // …AndWait calls get their answers from d
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		conv, err := state.Get(ctx) // this session's; handlers of a session run one at a time
		if err != nil {
			return err
		}
		conv.Messages++
		if a.Text != "operator" {
			return client.SendText(ctx, a.SessionID, fmt.Sprintf("You wrote: %s (message %d)", a.Text, conv.Messages))
		}
		// mluvii answers at the webhook; d hands the answer to the waiting call.
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		groups, err := client.GetAvailableGroupsAndWait(ctx, a.SessionID)
		if err != nil {
			return err
		}
		for _, g := range groups.AvailableGroups {
			if g.GroupState == mluvii.GroupStateOnline {
				return client.HandOff(ctx, a.SessionID)
			}
		}
		return client.SendText(ctx, a.SessionID, "Nobody is available right now, sorry.")
	})
	d.OnError(func(ctx context.Context, err error, body []byte) {
		log.Printf("mluvii webhook: %v", err) // a handler failed, or a body did not decode
	})

	// Set the callback URL in mluvii to https://<your host>/mluvii?secret=<MLUVII_CALLBACK_SECRET>.
	mux := http.NewServeMux()
	mux.Handle("/mluvii", d)
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()

	// Let the handlers finish what was acked, then stop the server: while d
	// drains, new events get 503 but the answers its handlers' …AndWait calls
	// wait for still arrive.
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Close(shutdown); err != nil {
		log.Print(err)
	}
	_ = srv.Shutdown(shutdown)
}

// TestReadmeMinimalBot checks that the README shows Example_minimalBot as it
// is, as a main function.
func TestReadmeMinimalBot(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Skip("no README.md beside the module:", err)
	}
	src, err := os.ReadFile("dispatch_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(string(src[bytes.Index(src, []byte("func Example_minimalBot() {\n")):]), "func Example_minimalBot() {\n")
	body, _, _ = strings.Cut(body, "\n}\n")
	if want := "func main() {\n" + body + "\n}\n"; !ok || !strings.Contains(string(readme), want) {
		t.Errorf("README.md's minimal bot differs from Example_minimalBot; it should contain:\n%s", want)
	}
}

// Session state: the dispatcher gives each session its own value, created on
// the session's first use, and drops it after ConversationEnded (or the TTL).
func ExampleSessionState() {
	type order struct{ Items []string }
	state := mluvii.NewSessionState[order](mluvii.WithSessionTTL(time.Hour))
	state.OnEnd(func(session int64, o *order, why mluvii.EndReason) {
		fmt.Printf("session %d %s with %q\n", session, why, o.Items)
	})
	d := mluvii.NewDispatcher(mluvii.WithSessionState(state))
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		o, err := state.Get(ctx)
		if err != nil {
			return err
		}
		o.Items = append(o.Items, a.Text)
		return nil
	})
	d.Start()
	for _, body := range []string{
		`{"activity":"Text","sessionId":7,"text":"tea"}`,
		`{"activity":"Text","sessionId":8,"text":"coffee"}`,
		`{"activity":"Text","sessionId":7,"text":"cake"}`,
		`{"activity":"ConversationEnded","sessionId":7}`,
	} {
		d.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/mluvii", strings.NewReader(body)))
	}
	_ = d.Close(context.Background())
	o, _ := state.Peek(8)
	fmt.Printf("session 8 has %q; %d session kept\n", o.Items, state.Len())
	// Output:
	// session 7 ended with ["tea" "cake"]
	// session 8 has ["coffee"]; 1 session kept
}
