package mluviitest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// conversation is a recording, as mluvii-mock's "Save conversation" or the
// generated package's Recorder writes it.
const conversation = `{"format":"mluvii-recording","version":1}
{"t":0,"dir":"in","session":700,"activity":"ConversationStarted","status":200,"body":{"activity":"ConversationStarted","sessionId":700,"language":"en","source":"Default"}}
{"t":4,"dir":"out","session":700,"activity":"Text","status":200,"body":{"activity":"Text","sessionId":700,"text":"Hello!"}}
{"t":2210,"dir":"in","session":700,"activity":"Text","status":200,"body":{"activity":"Text","text":"hi","sessionId":700,"language":"en","source":"Default"}}
{"t":2213,"dir":"out","session":700,"activity":"Text","status":200,"body":{"activity":"Text","sessionId":700,"text":"You said: hi"}}
`

// echoBot serves a bot that greets and echoes with reply, and points the fake at it.
func echoBot(fake *mluviitest.Server, reply string) (stop func()) {
	d := mluvii.NewDispatcher(mluvii.WithDispatchLogger(slog.New(slog.DiscardHandler)))
	c := mluvii.NewClient(fake.URL, fake.ChatbotID,
		mluvii.WithClientCredentials(fake.ClientID, fake.ClientSecret), mluvii.WithDispatcher(d))
	d.OnConversationStarted(func(ctx context.Context, a *mluvii.ConversationStarted) error {
		return c.SendText(ctx, a.SessionID, "Hello!")
	})
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		return c.SendText(ctx, a.SessionID, reply+a.Text)
	})
	hook := httptest.NewServer(d)
	fake.SetCallbackURL(hook.URL + "/mluvii")
	return func() { _ = d.Close(context.Background()); hook.Close() }
}

// fakeMluvii is mluviitest's fake outside a test (in a test: mluviitest.NewServer(t)).
func fakeMluvii() (*mluviitest.Server, func()) {
	var fake *mluviitest.Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fake.Handler().ServeHTTP(w, r) }))
	fake = mluviitest.NewStandalone(ts.URL, nil)
	return fake, func() { fake.Close(); ts.Close() }
}

// Replay a recorded conversation against the bot. In a test it is one line,
// which fails the test with the diff:
//
//	mluviitest.ReplayFile(t, srv, "testdata/conversation.jsonl", mluviitest.IgnoreActivities("Typing"))
//
// PlayRecording returns the diff as an error instead. Here the bot has
// changed its echo since the recording.
func ExampleServer_PlayRecording() {
	rec, err := mluviitest.ReadRecording(strings.NewReader(conversation))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, reply := range []string{"You said: ", "Echo: "} {
		fake, stop := fakeMluvii()
		stopBot := echoBot(fake, reply)
		err := fake.PlayRecording(rec)
		stopBot()
		stop()
		fmt.Printf("bot replying %q: %v\n", reply, err)
	}
	// Output:
	// bot replying "You said: ": <nil>
	// bot replying "Echo: ": mluviitest: replay: the bot did not do as recorded in 1 session(s)
	// session 700:
	//   the bot's activities (- recorded, + sent by the bot):
	//     Text {"activity":"Text","sessionId":700,"text":"Hello!"} (line 3)
	//   ~ Text (recorded at line 5, after Text "hi" (line 4); sent as #4):
	//       text: - "You said: hi"
	//             + "Echo: hi"
}

// Leave out what legitimately changes from run to run.
func ExampleIgnoreFields() {
	rec, _ := mluviitest.ReadRecording(strings.NewReader(conversation))
	fake, stop := fakeMluvii()
	defer stop()
	defer echoBot(fake, "Echo: ")()
	fmt.Println(fake.PlayRecording(rec, mluviitest.IgnoreFields("text"), mluviitest.ReplaySettle(0)))
	// Output:
	// <nil>
}
