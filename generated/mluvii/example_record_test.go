package mluvii_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// Record a bot's conversations, both directions, as JSON Lines: the
// dispatcher records what mluvii sends, the client (through WithDispatcher)
// what the bot sends. mluviitest.Replay turns such a file into a test.
func ExampleNewRecorder() {
	fake, stop := startFakeMluvii()
	defer stop()
	ctx := context.Background()

	var file bytes.Buffer // in production: a file, or NewSessionRecorder(dir) for one file per session
	rec := mluvii.NewRecorder(&file, mluvii.RecordRedact("callParams.email"))
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"), mluvii.WithDispatchLogger(quiet),
		mluvii.WithDispatchRecorder(rec))
	c := mluvii.NewClient(fake.URL, fake.ChatbotID,
		mluvii.WithClientCredentials(fake.ClientID, fake.ClientSecret),
		mluvii.WithDispatcher(d)) // records to d's recorder too
	d.OnText(func(ctx context.Context, t *mluvii.Text) error {
		return c.SendText(ctx, t.SessionID, "You said: "+t.Text)
	})
	hook := httptest.NewServer(d)
	defer hook.Close()
	fake.SetCallbackURL(hook.URL + "/mluvii?secret=s3cr3t")

	se, _ := fake.StartConversation(mluvii.ChannelWebChat)
	_ = se.Text("hello")
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, _ = se.WaitForText(wait, "You said: hello")

	_ = d.Close(ctx)
	_ = rec.Close(ctx) // writes what is buffered
	sc := bufio.NewScanner(&file)
	sc.Scan()
	fmt.Println(sc.Text()) // the header
	for sc.Scan() {
		var line struct {
			Dir, Activity string
			Status        int
			Body          struct{ Text string }
		}
		_ = json.Unmarshal(sc.Bytes(), &line)
		fmt.Printf("%-3s %-19s %d %q\n", line.Dir, line.Activity, line.Status, line.Body.Text)
	}
	// Output:
	// {"format":"mluvii-recording","version":1}
	// in  ConversationStarted 200 ""
	// in  Text                200 "hello"
	// out Text                200 "You said: hello"
}
