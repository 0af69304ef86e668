package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/mluviigen/mluviigen/cmd/demobot/bot"
	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// chromium finds a Chromium or Chrome binary: $CHROMIUM, then the usual names.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser is the end-to-end test: the mock and cmd/demobot's bot on
// loopback, the chat page in headless Chromium. It clicks a suggested action
// and a card button, sends a message, submits a hero card, uploads a file
// (which the bot downloads), answers the bot's upload dialog with a file and
// closes it, answers a location request, sees the bot's answers and the
// activity log, ends the conversation, sees a channel restriction's 400 on
// WhatsApp, and asks for an operator there, whom routing finds online.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test is skipped")
	}
	exe := chromium()
	if exe == "" {
		t.Skip("no Chromium: install it (apt-get install chromium) or set $CHROMIUM to run the browser test")
	}
	began := time.Now()
	m := startMock(t, config{})
	startDemobot(t, m)
	ctx, jsErrors := startBrowser(t, exe)
	started := time.Since(began)

	var got pageFacts
	for _, s := range browserSteps(t, m, &got) {
		stepStart := time.Now()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx, s.steps...)
		cancel()
		if err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v\nthe page says:\n%s\ntranscript:\n%s", s.what, err, page, m.fake.Dump())
		}
		t.Logf("%-62s %v", s.what, time.Since(stepStart).Round(time.Millisecond))
	}
	if path := os.Getenv("MLUVII_MOCK_SCREENSHOT"); path != "" { // for looking at the page
		screenshot(t, ctx, path)
	}
	got.check(t)
	if errs := jsErrors(); len(errs) > 0 {
		t.Errorf("script errors on the page:\n%s", strings.Join(errs, "\n"))
	}
	for _, se := range m.fake.Sessions() {
		if st := se.State(); st.Channel == string(mluvii.ChannelWebChat) && (!st.Ended || len(st.HeroCardsSent) != 1) {
			t.Errorf("WebChat session state = %+v", st)
		}
	}
	t.Logf("browser test: %v (Chromium started in %v)", time.Since(began).Round(time.Millisecond), started.Round(time.Millisecond))
}

// startDemobot serves cmd/demobot's bot as m's callback.
func startDemobot(t *testing.T, m *mock) {
	b := bot.New(bot.Config{BaseURL: m.cfg.baseURL, ChatbotID: m.cfg.chatbotID, ClientID: m.cfg.clientID,
		ClientSecret: m.cfg.clientSecret, CallbackSecret: "e2e", Logger: slog.New(slog.DiscardHandler)})
	hook := httptest.NewServer(b.Handler())
	t.Cleanup(hook.Close)
	m.fake.SetCallbackURL(hook.URL + "/mluvii?secret=e2e")
}

// startBrowser starts headless Chromium with a fresh profile and opens a tab;
// jsErrors returns the script errors the tab has had.
func startBrowser(t *testing.T, exe string) (ctx context.Context, jsErrors func() []string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // as root (CI) Chromium refuses to start sandboxed
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	// The first call starts the browser; it must not have a timeout of its
	// own (that would stop the browser), so each step gets one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	var mu sync.Mutex
	var errs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if ex, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			errs = append(errs, (&chromedp.ExceptionError{ExceptionDetails: ex.ExceptionDetails}).Error())
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// pageFacts are what the steps read from the page, checked at the end.
type pageFacts struct {
	greetingHTML, echoed string
	logEntries           int
	inputDisabled        bool
	saveName, saved      string // the Save conversation link's file name, and what it downloads
}

func (got pageFacts) check(t *testing.T) {
	t.Helper()
	if !strings.Contains(got.greetingHTML, "<strong>demo bot</strong>") {
		t.Errorf("greeting rendered as %q: <strong> not kept", got.greetingHTML)
	}
	if got.echoed != "hello <b>there</b>" {
		t.Errorf("echo shown as %q", got.echoed)
	}
	if got.logEntries < 10 {
		t.Errorf("%d log entries", got.logEntries)
	}
	if !got.inputDisabled {
		t.Error("the text input is enabled after the end")
	}
	status, file, _ := strings.Cut(got.saved, "\n")
	if !strings.HasPrefix(got.saveName, "mluvii-session-") || !strings.HasSuffix(got.saveName, ".jsonl") ||
		status != `200 attachment; filename="`+got.saveName+`"` {
		t.Errorf("Save conversation: download %q, answer %q", got.saveName, status)
	}
	if rec, err := mluviitest.ReadRecording(strings.NewReader(file)); err != nil || len(rec.Entries) < 10 ||
		!strings.Contains(file, `"activity":"HeroCardSubmission"`) {
		t.Errorf("the saved conversation (%v):\n%s", err, file)
	}
}

type browserStep struct {
	what  string
	steps []chromedp.Action[chromedp.Void]
}

// browserSteps is the scenario, step by step.
func browserSteps(t *testing.T, m *mock, got *pageFacts) []browserStep {
	upload := t.TempDir() + "/invoice.pdf"
	if err := os.WriteFile(upload, []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []browserStep{
		{"open the page", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(m.cfg.baseURL + "/"),
			chromedp.WaitVisible(chromedp.CSS("body.ready")),
			waitText("#config", m.cfg.clientSecret),
		}},
		{"start a conversation; the bot greets", []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#start")),
			waitText("#messages .msg.bot", "demo bot"),
			chromedp.WaitEnabled(chromedp.CSS("#text")),
			into(&got.greetingHTML, chromedp.InnerHTML(chromedp.CSS("#messages .msg.bot"))),
			waitText("#suggested button", "Buttons"),
		}},
		{"click a suggested action; the bot shows a card with buttons", []chromedp.Action[chromedp.Void]{
			clickButton("#suggested button", "Buttons"),
			waitText("#messages .card .card-title", "Pick a colour"),
		}},
		{"click a card button; its imBack value comes back as guest text", []chromedp.Action[chromedp.Void]{
			clickButton("#messages .card .card-button", "Red"),
			waitText("#messages .msg.guest", "red"),
			waitText("#messages .msg.bot strong", "red"),
		}},
		{"send a message; the bot echoes it, escaped", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "hello <b>there</b>"),
			chromedp.Click(chromedp.CSS("#send")),
			waitText("#messages .msg.guest", "hello <b>there</b>"),
			discard(chromedp.Poll[bool](`document.querySelectorAll('#suggested button').length === 0`)),
			waitText("#messages .msg.bot em", "hello <b>there</b>"),
			into(&got.echoed, chromedp.Evaluate[string](`[...document.querySelectorAll('#messages .msg.bot em')].pop().textContent`)),
		}},
		{"submit a hero card", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "card"),
			chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS(`form.herocard input[name="email"]`)),
			chromedp.SendKeys(chromedp.CSS(`form.herocard input[name="email"]`), "jan@example.com"),
			chromedp.Click(chromedp.CSS(`form.herocard button[type="submit"]`)),
			waitText("#messages .msg.bot", "email=jan@example.com"),
		}},
		{"the bot enables uploads; the guest attaches a file, the bot downloads it", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "file"),
			chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS("#attach svg")),
			chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{upload}),
			waitText("#messages .msg.guest a", "invoice.pdf (9 bytes)"),
			waitText("#messages .msg.bot", "Got your file: 9 bytes of application/pdf."),
		}},
		{"the bot opens the upload dialog; it waits until the guest picks a file", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "upload"),
			chromedp.Click(chromedp.CSS("#send")),
			waitText(`#messages .prompt-box[data-kind="upload"]`, "upload dialog"),
			discard(chromedp.Poll[bool](`!document.querySelector('.prompt-box[data-kind="upload"]').classList.contains('answered')`)),
			chromedp.SetUploadFiles(chromedp.CSS(`.prompt-box[data-kind="upload"]:not(.answered) input[type="file"]`), []string{upload}),
			waitText("#messages .msg.guest a", "Uploaded in the dialog: invoice.pdf"),
			waitText("#messages .msg.bot", "Got your file: 9 bytes of application/pdf."),
			discard(chromedp.Poll[bool](`document.querySelector('.prompt-box[data-kind="upload"]').classList.contains('answered')`)),
		}},
		{"the guest closes the upload dialog", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "upload"),
			chromedp.Click(chromedp.CSS("#send")),
			clickButton(`.prompt-box[data-kind="upload"]:not(.answered) button`, "Cancel"),
			waitText("#messages .msg.guest", "Closed the upload dialog"),
			waitText("#messages .msg.bot", "You closed the upload dialog."),
		}},
		{"the bot asks for the location; the guest shares one", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "location"),
			chromedp.Click(chromedp.CSS("#send")),
			waitText(`#messages .prompt-box[data-kind="location"]`, "May I see where you are?"),
			chromedp.SetValue(chromedp.CSS(`.prompt-box[data-kind="location"] .prompt-lat`), "49.1951"),
			chromedp.SetValue(chromedp.CSS(`.prompt-box[data-kind="location"] .prompt-lon`), "16.6068"),
			clickButton(`.prompt-box[data-kind="location"] button`, "Share location"),
			waitText("#messages .msg.guest", "Location: 49.1951, 16.6068"),
			waitText("#messages .msg.bot", "You are at 49.19510, 16.60680."),
			discard(chromedp.Poll[bool](`document.querySelector('.prompt-box[data-kind="location"]').classList.contains('answered')`)),
		}},
		{"the activity log shows both directions", []chromedp.Action[chromedp.Void]{
			waitText("#log .log-entry.toBot .name", "HeroCardSubmission"),
			waitText("#log .log-entry.fromBot .name", "SendHeroCard"),
			into(&got.logEntries, chromedp.Evaluate[int](`document.querySelectorAll('#log .log-entry').length`)),
		}},
		{"end the conversation", []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#end")),
			waitText("#messages .msg.system.ended", "has ended (guest)"),
			into(&got.inputDisabled, chromedp.Evaluate[bool](`document.getElementById('text').disabled`)),
		}},
		{"save the conversation: the link downloads a recording", []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.CSS("#save")),
			into(&got.saveName, chromedp.Evaluate[string](`document.getElementById('save').download`)),
			// What the download gets (a synchronous request from the page, as the link would make).
			into(&got.saved, chromedp.Evaluate[string](`(() => { const x = new XMLHttpRequest();
				x.open('GET', document.getElementById('save').href, false); x.send();
				return x.status + ' ' + x.getResponseHeader('Content-Disposition') + '\n' + x.responseText; })()`)),
		}},
		{"on WhatsApp a carousel is rejected with the 400, and shown", []chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS("#channel"), "WhatsApp"),
			chromedp.Click(chromedp.CSS("#start")),
			waitText("#session-label", "WhatsApp"), // the old conversation's messages are gone
			waitText("#messages .msg.bot", "demo bot"),
			chromedp.WaitEnabled(chromedp.CSS("#text")),
			waitText("#restrictions .restriction-list.no", "RichCardList"),
			// Each restriction is an item of its own, fields too.
			discard(chromedp.Poll[bool](`(() => { const items = [...document.querySelectorAll('#restrictions .restriction-list.no li')].map(li => li.textContent);
				return items.includes('RichCardList') && items.includes('Message.attachments') && items.includes('Card.buttons'); })()`)),
			chromedp.SendKeys(chromedp.CSS("#text"), "carousel"),
			chromedp.Click(chromedp.CSS("#send")),
			waitText("#messages .msg.system.rejected", "mluvii answered 400 to RichCardList"),
			waitText("#messages .msg.bot", "no carousels"),
		}},
		{"ask for an operator: the bot hands off, the input is disabled", []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#text"), "operator"),
			chromedp.Click(chromedp.CSS("#send")),
			waitText("#messages .msg.bot strong", "Support"),
			waitText("#messages .msg.system", "handed the conversation off"),
			waitText("#messages .msg.system.routing", "Jana Nováková (Support) took over the conversation."),
			waitText("#session-label", "ended (HandOff)"),
			discard(chromedp.Poll[bool](`document.getElementById('text').disabled && document.getElementById('end').disabled`)),
			// The paper clip is gone (the icon buttons' CSS must not override hidden).
			discard(chromedp.Poll[bool](`getComputedStyle(document.getElementById('attach')).display === 'none'`)),
		}},
	}
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot: %v", err)
	}
}

// waitText waits until an element matching sel contains text.
func waitText(sel, text string) chromedp.Action[chromedp.Void] {
	return discard(chromedp.Poll[bool](fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.textContent.includes(%s))`,
		jsString(sel), jsString(text)), chromedp.WithPollingTimeout(15*time.Second)))
}

// clickButton clicks the first element matching sel whose text is text.
func clickButton(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		waitText(sel, text),
		discard(chromedp.Evaluate[bool](fmt.Sprintf(`[...document.querySelectorAll(%s)].find(e => e.textContent.trim() === %s).click(), true`,
			jsString(sel), jsString(text)))),
	)
}

// discard turns an action with a result into a step.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// into turns an action with a result into a step that stores the result in *dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		if err == nil {
			*dst = v
		}
		return chromedp.Void{}, err
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
