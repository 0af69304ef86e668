// Package bot is the demo chatbot of cmd/demobot: a small real bot on the
// generated package mluvii (its Dispatcher for the webhook, its Client for
// the activity endpoint). It greets, echoes, shows buttons and cards, and
// hands the conversation to an operator when the guest asks for one.
//
// It is a package of its own so that tests (the browser test of
// cmd/mluvii-mock among them) can run it in process.
package bot

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// Config says which mluvii the bot talks to and how.
type Config struct {
	// BaseURL is mluvii's address, e.g. https://app.mluvii.com or mluvii-mock's.
	BaseURL string
	// ChatbotID is the chatbot the bot sends as.
	ChatbotID int64
	// ClientID and ClientSecret are the API key for the token endpoint.
	ClientID, ClientSecret string
	// CallbackSecret, when set, must come with every webhook call: as the
	// query parameter secret, the header X-Mluvii-Secret or the Basic password.
	CallbackSecret string
	// Logger gets the bot's log (nil: slog.Default()).
	Logger *slog.Logger
	// HTTPClient makes the calls to mluvii (nil: the client's default).
	HTTPClient *http.Client
	// WaitTimeout bounds each wait for one of mluvii's answers (default 10 s).
	WaitTimeout time.Duration
	// PromptTimeout bounds the wait for an answer that comes from the guest:
	// a file in the upload dialog, the location (default 2 min).
	PromptTimeout time.Duration
}

// Bot is the demo bot. Serve Handler at the callback URL.
type Bot struct {
	base   string       // mluvii's address: files under it are downloaded
	files  *http.Client // downloads the guest's files
	client *mluvii.Client
	disp   *mluvii.Dispatcher
	state  *mluvii.SessionState[Conversation]
	log    *slog.Logger
	wait   time.Duration
	prompt time.Duration // PromptTimeout
}

// Conversation is what the bot remembers of each session, kept by the
// dispatcher's SessionState: dropped when mluvii ends the conversation, or
// after 30 minutes without a message.
type Conversation struct {
	Messages int    // the guest's messages so far
	Colour   string // the colour picked last, if any
}

// Commands the bot understands (in any letter case).
const (
	CmdButtons  = "buttons"
	CmdCard     = "card"
	CmdOperator = "operator"
	CmdFile     = "file"
	CmdUpload   = "upload"
	CmdCarousel = "carousel"
	CmdLocation = "location"
	CmdBye      = "bye"
	CmdRecap    = "recap"
)

// Greeting is the bot's first message in every conversation.
const Greeting = "Hello! I am the <strong>demo bot</strong>. I echo what you write; " +
	"try <em>buttons</em>, <em>carousel</em>, <em>card</em>, <em>file</em>, <em>upload</em>, <em>location</em>, <em>recap</em>, <em>operator</em> or <em>bye</em>."

// New makes the bot: a dispatcher with its handlers and a client that waits
// for mluvii's answers through it.
func New(cfg Config) *Bot {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	state := mluvii.NewSessionState[Conversation]()
	dopts := []mluvii.DispatcherOption{mluvii.WithDispatchLogger(log), mluvii.WithSessionState(state)}
	if cfg.CallbackSecret != "" {
		dopts = append(dopts, mluvii.WithCallbackSecret(cfg.CallbackSecret))
	}
	disp := mluvii.NewDispatcher(dopts...)
	copts := []mluvii.ClientOption{
		mluvii.WithClientCredentials(cfg.ClientID, cfg.ClientSecret),
		mluvii.WithDispatcher(disp),
		mluvii.WithClientLogger(log),
	}
	if cfg.HTTPClient != nil {
		copts = append(copts, mluvii.WithHTTPClient(cfg.HTTPClient))
	}
	files := cfg.HTTPClient
	if files == nil {
		files = &http.Client{}
	}
	b := &Bot{
		base: strings.TrimSuffix(cfg.BaseURL, "/"), files: files,
		client: mluvii.NewClient(cfg.BaseURL, cfg.ChatbotID, copts...),
		disp:   disp, state: state, log: log, wait: cfg.WaitTimeout,
	}
	if b.wait <= 0 {
		b.wait = 10 * time.Second
	}
	if b.prompt = cfg.PromptTimeout; b.prompt <= 0 {
		b.prompt = 2 * time.Minute
	}
	disp.OnConversationStarted(b.started)
	disp.OnText(b.text)
	disp.OnHeroCardSubmission(b.heroCardSubmitted)
	disp.OnGuestFileUpload(b.fileUploaded)
	// A location the guest shares unasked (the page's location button): no
	// RequestLocationAndWait waits for it, so it comes here.
	disp.OnGuestLocation(func(ctx context.Context, a *mluvii.GuestLocation) error {
		return b.client.SendText(ctx, a.SessionID, fmt.Sprintf("Thanks, you shared %.5f, %.5f.", a.Latitude, a.Longitude))
	})
	disp.OnConversationEnded(func(_ context.Context, a *mluvii.ConversationEnded) error {
		log.Info("conversation ended", "session", a.SessionID)
		return nil
	})
	disp.OnError(func(_ context.Context, err error, body []byte) {
		log.Error("webhook", "err", err, "body", string(body))
	})
	return b
}

// Handler is the bot's webhook, for the callback URL.
func (b *Bot) Handler() http.Handler { return b.disp }

// Client is the bot's client for mluvii's API.
func (b *Bot) Client() *mluvii.Client { return b.client }

// Close stops taking webhook calls and waits for running handlers.
func (b *Bot) Close(ctx context.Context) error { return b.disp.Close(ctx) }

// started greets the guest and offers the commands as suggested actions.
func (b *Bot) started(ctx context.Context, a *mluvii.ConversationStarted) error {
	if err := b.client.SendText(ctx, a.SessionID, Greeting); err != nil {
		return err
	}
	offer := &mluvii.Message{SessionID: a.SessionID, Text: "What shall we try?",
		SuggestedActions: mluvii.NewSuggestedActions(
			mluvii.IMBack("Buttons", CmdButtons), mluvii.IMBack("Hero card", CmdCard), mluvii.IMBack("Talk to a person", CmdOperator),
		)}
	// Quick-reply buttons render on WebChat and Facebook only (the spec's
	// field cells): elsewhere the bot says the commands instead.
	if err := mluvii.CheckChannel(offer, mluvii.ChannelOf(string(a.Source))); err != nil {
		return b.client.SendText(ctx, a.SessionID, "What shall we try? Type operator to talk to a person, or write anything and I echo it.")
	}
	return b.client.Send(ctx, offer)
}

// text answers the guest's message: a command, a picked colour, or an echo.
func (b *Bot) text(ctx context.Context, a *mluvii.Text) error {
	id := a.SessionID
	conv, err := b.state.Get(ctx)
	if err != nil {
		return err
	}
	conv.Messages++
	switch cmd := strings.ToLower(strings.TrimSpace(a.Text)); cmd {
	case CmdButtons:
		return b.buttons(ctx, id)
	case CmdCard:
		return b.heroCard(ctx, id)
	case CmdOperator:
		return b.handOff(ctx, id)
	case CmdFile:
		if err := b.client.EnableGuestUpload(ctx, id); err != nil {
			return err
		}
		return b.client.SendText(ctx, id, "Attach a file with the paper clip, and I will tell you what I got.")
	case CmdUpload:
		return b.uploadPrompt(ctx, id)
	case CmdCarousel:
		return b.carousel(ctx, id)
	case CmdLocation:
		return b.location(ctx, id)
	case CmdBye:
		if err := b.client.SendText(ctx, id, "Bye! 👋"); err != nil {
			return err
		}
		return b.client.EndConversation(ctx, id)
	case CmdRecap:
		colour := "none yet"
		if conv.Colour != "" {
			colour = conv.Colour
		}
		return b.client.SendText(ctx, id, fmt.Sprintf("Messages so far: %d. Colour picked: %s.", conv.Messages, colour))
	case "red", "green", "blue":
		conv.Colour = cmd
		return b.client.SendText(ctx, id, "You picked <strong>"+cmd+"</strong>.")
	}
	b.typing(ctx, a)
	return b.client.SendText(ctx, id, "You said: <em>"+html.EscapeString(a.Text)+"</em>")
}

// typing shows the typing indicator where the session's channel supports it
// (the channel matrix of the spec is in the generated package).
func (b *Bot) typing(ctx context.Context, a *mluvii.Text) {
	info, _ := mluvii.LookupActivity(mluvii.ActivityTyping)
	if ch := mluvii.ChannelOf(string(a.Source)); ch != "" && info.SupportOn(ch) == mluvii.SupportNo {
		return
	}
	if err := b.client.Typing(ctx, a.SessionID, true); err != nil {
		b.log.Warn("typing", "session", a.SessionID, "err", err)
	}
}

// buttons sends a hero card with imBack buttons; a click comes back as Text.
func (b *Bot) buttons(ctx context.Context, id int64) error {
	card := mluvii.NewHeroCard("Pick a colour").
		WithSubtitle("A button sends its value back as your message").
		WithButtons(mluvii.IMBack("Red", "red"), mluvii.IMBack("Green", "green"), mluvii.IMBack("Blue", "blue"))
	return b.client.SendMessage(ctx, id, mluvii.WithAttachments(card), mluvii.WithAttachmentLayout(mluvii.AttachmentLayoutList))
}

// carousel sends three cards side by side as a RichCardList. Channels
// without rich cards (WhatsApp, …) answer 400; the bot then says so.
func (b *Bot) carousel(ctx context.Context, id int64) error {
	var items []mluvii.RichCard
	for _, colour := range []string{"red", "green", "blue"} {
		item, err := mluvii.NewThumbnailCard(strings.ToUpper(colour[:1]) + colour[1:]).
			WithText("The colour " + colour).WithButtons(mluvii.IMBack("Pick "+colour, colour)).RichCard()
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	err := b.client.SendRichCardList(ctx, id, items, mluvii.WithLayout(mluvii.RichCardLayoutCarousel))
	var apiErr *mluvii.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
		return b.client.SendText(ctx, id, "This channel shows no carousels (mluvii answered 400). Type red, green or blue.")
	}
	return err
}

// heroCard sends the first of mluvii's hero cards; the guest's submission
// arrives as HeroCardSubmission.
func (b *Bot) heroCard(ctx context.Context, id int64) error {
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	cards, err := b.client.GetHeroCardsAndWait(wctx, id)
	if err != nil {
		return err
	}
	if len(cards.HeroCards) == 0 {
		return b.client.SendText(ctx, id, "This mluvii has no hero cards.")
	}
	c := cards.HeroCards[0]
	var opts []mluvii.SendHeroCardOption
	if len(c.Languages) > 0 {
		opts = append(opts, mluvii.WithSelectedLanguage(c.Languages[0]))
	}
	sent, err := b.client.SendHeroCardAndWait(wctx, id, c.HeroCardID, opts...)
	if err != nil {
		return err
	}
	if !sent.Success {
		return b.client.SendText(ctx, id, "I could not show the card: "+html.EscapeString(sent.ErrorMessage))
	}
	return nil
}

func (b *Bot) heroCardSubmitted(ctx context.Context, a *mluvii.HeroCardSubmission) error {
	keys := make([]string, 0, len(a.Params))
	for k := range a.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, html.EscapeString(k+"="+a.Params[k]))
	}
	return b.client.SendText(ctx, a.SessionID, "Thanks! The card said: "+strings.Join(parts, ", "))
}

// fileUploaded downloads the guest's file from mluvii and says what it got.
// Only files on mluvii's own address are fetched (the URL comes from the
// webhook), at most maxDownload bytes of them.
func (b *Bot) fileUploaded(ctx context.Context, a *mluvii.GuestFileUpload) error {
	if !strings.HasPrefix(a.FileURL, b.base+"/") {
		return b.client.SendText(ctx, a.SessionID, "Got your file: "+html.EscapeString(a.FileURL))
	}
	return b.describeFile(ctx, a.SessionID, a.FileURL)
}

// describeFile downloads a file from mluvii and says what it is.
func (b *Bot) describeFile(ctx context.Context, id int64, u string) error {
	size, ctype, err := b.download(ctx, u)
	if err != nil {
		b.log.Warn("download", "session", id, "url", u, "err", err)
		return b.client.SendText(ctx, id, "I could not download your file: "+html.EscapeString(err.Error()))
	}
	return b.client.SendText(ctx, id, fmt.Sprintf("Got your file: %d bytes of %s.", size, html.EscapeString(ctype)))
}

// uploadPrompt opens mluvii's upload dialog and waits for the guest to
// upload a file or close it.
func (b *Bot) uploadPrompt(ctx context.Context, id int64) error {
	wctx, cancel := context.WithTimeout(ctx, b.prompt)
	defer cancel()
	up, err := b.client.ChatbotOpenFileUploadPromptAndWait(wctx, id)
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return b.client.SendText(ctx, id, "No file came.")
	case err != nil:
		return err
	case up.CanceledByGuest || up.FileURL == "":
		return b.client.SendText(ctx, id, "You closed the upload dialog.")
	case !strings.HasPrefix(up.FileURL, b.base+"/"):
		return b.client.SendText(ctx, id, "Got your file: "+html.EscapeString(up.FileURL))
	}
	return b.describeFile(ctx, id, up.FileURL)
}

// maxDownload bounds what the bot reads of a guest's file.
const maxDownload = 16 << 20

// download fetches a file and returns its size and content type.
func (b *Bot) download(ctx context.Context, u string) (int64, string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := b.files.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("mluvii answered %s", resp.Status)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return 0, "", err
	}
	if n > maxDownload {
		return 0, "", fmt.Errorf("over %d bytes", maxDownload)
	}
	return n, resp.Header.Get("Content-Type"), nil
}

// location asks for the guest's location and waits for it.
func (b *Bot) location(ctx context.Context, id int64) error {
	wctx, cancel := context.WithTimeout(ctx, b.prompt)
	defer cancel()
	loc, err := b.client.RequestLocationAndWait(wctx, id, mluvii.WithText("May I see where you are?"))
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil { // the guest declined, or is still deciding
		return b.client.SendText(ctx, id, "You did not share a location.")
	}
	if err != nil {
		return err
	}
	return b.client.SendText(ctx, id, fmt.Sprintf("You are at %.5f, %.5f.", loc.Latitude, loc.Longitude))
}

// handOff is the operator flow: if a group is online, note why in the call
// parameters and hand the session to mluvii's routing; otherwise offer an
// offline e-mail.
func (b *Bot) handOff(ctx context.Context, id int64) error {
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	groups, err := b.client.GetAvailableGroupsAndWait(wctx, id)
	if err != nil {
		return err
	}
	var online *mluvii.AvailableGroup
	for i, g := range groups.AvailableGroups {
		if g.GroupState == mluvii.GroupStateOnline {
			online = &groups.AvailableGroups[i]
			break
		}
	}
	if online == nil {
		if err := b.client.SendText(ctx, id, "No operator is online right now. We will answer you by e-mail."); err != nil {
			return err
		}
		return b.client.SendGuestOfflineEmail(ctx, id, "Your question to our chat",
			"The guest asked for an operator while none was online.")
	}
	set, err := b.client.SetCallParamsAndWait(wctx, id, map[string]string{
		"demobot_handoff":       "operator requested",
		"demobot_handoff_group": strconv.Itoa(int(online.GroupID)),
	})
	if err != nil {
		return err
	}
	if !set.Success {
		b.log.Warn("SetCallParams failed", "session", id, "err", set.ErrorMessage)
	}
	name := online.DisplayName
	if name == "" {
		name = "an operator"
	}
	if err := b.client.SendText(ctx, id, "Connecting you to <strong>"+html.EscapeString(name)+"</strong>…"); err != nil {
		return err
	}
	return b.client.HandOff(ctx, id)
}

// ErrConfig is returned by Validate.
var ErrConfig = errors.New("demobot: incomplete configuration")

// Validate reports what the configuration lacks.
func (cfg Config) Validate() error {
	var missing []string
	if cfg.BaseURL == "" {
		missing = append(missing, "base URL")
	}
	if cfg.ChatbotID <= 0 {
		missing = append(missing, "chatbot id")
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		missing = append(missing, "client id and secret")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(missing, ", "))
	}
	return nil
}
