package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFirstHour drives a new user's first hour as one script, in the order
// of the README's "Using it from your own repository": a new module, the tool
// added from a local checkout, go generate writing the package, a bot tested
// against the generated fake (ServeBot) that tears down quickly, mluviigen
// check passing, and a --channel whatsapp package whose missing method go doc
// explains.
func TestFirstHour(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go generate, go test, go build and go doc in a temporary module")
	}
	// A new module, and mluviigen as its tool.
	dir, goCmd := toolModule(t, "example.com/mybot")

	// Without --out the tool refuses, says what to run, and writes nothing.
	out, err := goCommand(dir, "tool", "mluviigen")
	if err == nil || !strings.Contains(out, "--out is required outside the mluviigen module (this is example.com/mybot)") ||
		!strings.Contains(out, "\n  go tool mluviigen --out internal/mluvii\n") {
		t.Errorf("go tool mluviigen without --out: err %v, output:\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "generated")); !os.IsNotExist(err) {
		t.Errorf("go tool mluviigen without --out created generated/: %v", err)
	}

	// go generate writes the package.
	writeFile(t, filepath.Join(dir, "internal", "mluvii", "doc.go"), firstHourDoc)
	if out := goCmd("generate", "./..."); !strings.Contains(out, "mluviigen: ") || !strings.Contains(out, " files in . (") {
		t.Errorf("go generate: no summary line:\n%s", out)
	}

	// The bot and its test on mluviitest; the test ends while a handler is
	// inside SetCallParamsAndWait, and ServeBot's teardown still takes well
	// under a second (it took 10 s, a waiter's timeout, before ServeBot).
	writeFile(t, filepath.Join(dir, "bot.go"), firstHourBot)
	writeFile(t, filepath.Join(dir, "bot_test.go"), firstHourTest)
	goCmd("vet", "./...")
	elapsed := testElapsed(t, goCmd("test", "-count=1", "-json", "-run", "^TestBot$", "."), "TestBot")
	t.Logf("the bot's test took %v, teardown included", elapsed)
	if elapsed > 2*time.Second {
		t.Errorf("TestBot took %v with its teardown; want well under 2s", elapsed)
	}

	// check agrees that the package is fresh.
	if out := goCmd("tool", "mluviigen", "check", "--out", "internal/mluvii"); out != "" {
		t.Errorf("mluviigen check printed:\n%s", out)
	}

	// A WhatsApp-only package: Typing (not on WhatsApp) is missing from the
	// Client, the compiler says so, and go doc says why.
	writeFile(t, filepath.Join(dir, "internal", "wa", "doc.go"), "package wa\n\n//go:generate go tool mluviigen --out . --package wa --channel whatsapp\n")
	goCmd("generate", "./internal/wa")
	writeFile(t, filepath.Join(dir, "cmd", "typing", "main.go"), firstHourTyping)
	if out, err := goCommand(dir, "build", "-o", os.DevNull, "./cmd/typing"); err == nil || !strings.Contains(out, "Typing undefined") {
		t.Errorf("calling Typing on the WhatsApp client: err %v, output:\n%s", err, out)
	}
	for _, tc := range []struct{ args, want string }{
		{"./internal/wa", "This package was generated with --channel WhatsApp: its Client has methods only for the activities supported on WhatsApp. Left out of it: RichCardList, Typing,"},
		{"./internal/wa Typing", "This package was generated with --channel WhatsApp, so its Client has no method for it: send it with Client.Send."},
		{"./internal/wa ClientChannels", "Left out of the Client (not supported on every one of these channels): RichCardList, Typing,"},
	} {
		doc := strings.Join(strings.Fields(goCmd(append([]string{"doc"}, strings.Fields(tc.args)...)...)), " ")
		if !strings.Contains(doc, tc.want) {
			t.Errorf("go doc %s lacks %q:\n%s", tc.args, tc.want, doc)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "cmd")); err != nil {
		t.Fatal(err)
	}
	goCmd("vet", "./...")
}

// testElapsed returns the duration go test -json reported for a passing test,
// its cleanups included.
func testElapsed(t *testing.T, jsonOut, test string) time.Duration {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(jsonOut))
	for sc.Scan() {
		var ev struct {
			Action, Test string
			Elapsed      float64
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Test == test && ev.Action == "pass" {
			return time.Duration(ev.Elapsed * float64(time.Second))
		}
	}
	t.Fatalf("go test -json: %s did not pass:\n%s", test, jsonOut)
	return 0
}

// firstHourDoc is the README's doc.go: go generate writes the package next to it.
const firstHourDoc = `// internal/mluvii/doc.go

package mluvii

//go:generate go tool mluviigen --out . --clean
`

const firstHourBot = `// Package mybot greets every conversation, stores the order number the guest
// types in the call params, and hands off.
package mybot

import (
	"context"
	"errors"

	"example.com/mybot/internal/mluvii"
)

// Register wires the bot's handlers.
func Register(d *mluvii.Dispatcher, c *mluvii.Client) {
	d.OnConversationStarted(func(ctx context.Context, a *mluvii.ConversationStarted) error {
		return c.SendText(ctx, a.SessionID, "Hello! What is your order number?")
	})
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		resp, err := c.SetCallParamsAndWait(ctx, a.SessionID, map[string]string{"order_no": a.Text})
		if err != nil {
			return err
		}
		if !resp.Success {
			return errors.New("mluvii did not store the order number")
		}
		if err := c.SendText(ctx, a.SessionID, "Thanks, an operator will take over."); err != nil {
			return err
		}
		return c.HandOff(ctx, a.SessionID)
	})
}
`

const firstHourTest = `package mybot

import (
	"testing"

	"example.com/mybot/internal/mluvii"
	"example.com/mybot/internal/mluvii/mluviitest"
)

func TestBot(t *testing.T) {
	srv := mluviitest.NewServer(t)
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"))
	c := mluvii.NewClient(srv.URL, srv.ChatbotID,
		mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithDispatcher(d))
	Register(d, c)
	srv.ServeBot(d, "/mluvii?secret=s3cr3t")

	sess, err := srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	sess.AssertBotSaid("Hello! What is your order number?")
	if err := sess.Text("CZ-2024-118"); err != nil {
		t.Fatal(err)
	}
	if got := sess.ExpectSetCallParams().CallParams["order_no"]; got != "CZ-2024-118" {
		t.Errorf("the bot stored order_no %q", got)
	}
	srv.AssertNoRejections()
	// The test ends here, the handler inside SetCallParamsAndWait: ServeBot
	// closes the dispatcher first, so the handler gets its answer and ends.
}
`

const firstHourTyping = `package main

import (
	"context"

	"example.com/mybot/internal/wa"
)

func main() {
	_ = wa.NewClient("http://localhost", 1).Typing(context.Background(), 1, true)
}
`

// TestReadmeFirstHour keeps the README's "Using it from your own repository"
// in the order TestFirstHour runs, with the same commands and doc.go.
func TestReadmeFirstHour(t *testing.T) {
	readme := readFile(t, filepath.Join("..", "..", "README.md"))
	_, section, _ := strings.Cut(readme, "\n## Using it from your own repository\n")
	section, _, _ = strings.Cut(section, "\n## ")
	at := 0
	for _, step := range []string{
		"go mod init example.com/mybot\n",
		"go get -tool github.com/mluviigen/mluviigen/cmd/mluviigen\n",
		"go mod edit -replace=github.com/mluviigen/mluviigen=",
		"-tool=github.com/mluviigen/mluviigen/cmd/mluviigen\ngo mod tidy\n",
		"go generate ./...",
		"```go\n" + firstHourDoc + "```\n",
		"srv.ServeBot(d, ",
		"go tool mluviigen check --out internal/mluvii",
		"//go:generate go tool mluviigen --out . --package wa --channel whatsapp\n",
		"go doc ./internal/wa",
	} {
		i := strings.Index(section[at:], step)
		if i < 0 {
			t.Errorf("README's first hour lacks %q after byte %d of the section (or has it out of order)", step, at)
			continue
		}
		at += i + len(step)
	}
}
