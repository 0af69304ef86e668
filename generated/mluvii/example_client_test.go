package mluvii_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// startFakeMluvii runs the fake mluvii of package mluviitest. In these
// examples it stands in for https://app.mluvii.com and plays the guest.
func startFakeMluvii() (*mluviitest.Server, func()) {
	var fake *mluviitest.Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.Handler().ServeHTTP(w, r)
	}))
	fake = mluviitest.NewStandalone(ts.URL, nil)
	return fake, func() { fake.Close(); ts.Close() }
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// An echo bot: the dispatcher receives the guest's messages at the callback
// URL, the client answers them.
func Example_echoBot() {
	fake, stop := startFakeMluvii()
	defer stop()
	ctx := context.Background()

	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"), mluvii.WithDispatchLogger(quiet))
	defer d.Close(ctx)
	c := mluvii.NewClient(fake.URL, fake.ChatbotID, // https://app.mluvii.com, your chatbot's id
		mluvii.WithClientCredentials(fake.ClientID, fake.ClientSecret),
		mluvii.WithDispatcher(d))
	d.OnText(func(ctx context.Context, t *mluvii.Text) error {
		return c.SendText(ctx, t.SessionID, "You said: "+t.Text)
	})
	hook := httptest.NewServer(d) // in production: http.Handle("/mluvii", d) on your server
	defer hook.Close()
	if err := c.SetCallbackURL(ctx, hook.URL+"/mluvii?secret=s3cr3t"); err != nil {
		fmt.Println(err)
		return
	}

	// A guest starts a chat and says hello.
	guest, _ := fake.StartConversation(mluvii.ChannelWebChat)
	guest.Text("Ahoj")
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := guest.WaitForText(wait, "You said: Ahoj"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(guest.Said())
	// Output: [You said: Ahoj]
}

// A handoff: when the guest asks for a person, the bot looks for an ONLINE
// operator group, records why it hands off (routing must not send the
// session back to the bot), and hands off; with every group offline it
// leaves the guest's request in an e-mail instead. The …AndWait calls send a
// request and wait for mluvii's answer, which arrives at the webhook.
func Example_handoff() {
	fake, stop := startFakeMluvii()
	defer stop()
	ctx := context.Background()

	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"), mluvii.WithDispatchLogger(quiet))
	defer d.Close(ctx)
	c := mluvii.NewClient(fake.URL, fake.ChatbotID,
		mluvii.WithClientCredentials(fake.ClientID, fake.ClientSecret),
		mluvii.WithDispatcher(d))
	d.OnText(func(ctx context.Context, t *mluvii.Text) error {
		if t.Text != "operator" {
			return c.SendText(ctx, t.SessionID, `Type "operator" to talk to a person.`)
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		groups, err := c.GetAvailableGroupsAndWait(ctx, t.SessionID)
		if err != nil {
			return err
		}
		for _, g := range groups.AvailableGroups {
			if g.GroupState != mluvii.GroupStateOnline {
				continue
			}
			if _, err := c.SetCallParamsAndWait(ctx, t.SessionID, map[string]string{"HandoffReason": "guest_asked"}); err != nil {
				return err
			}
			return c.HandOff(ctx, t.SessionID)
		}
		return c.SendGuestOfflineEmail(ctx, t.SessionID, "Callback request",
			"The guest asked for an operator while every group was offline.", mluvii.WithLocation("example bot"))
	})
	hook := httptest.NewServer(d)
	defer hook.Close()
	if err := c.SetCallbackURL(ctx, hook.URL+"/mluvii?secret=s3cr3t"); err != nil {
		fmt.Println(err)
		return
	}

	// The guest asks; the fake waits for the bot's last step.
	ask := func(last string) mluviitest.SessionState {
		guest, _ := fake.StartConversation(mluvii.ChannelWebChat)
		guest.Text("operator")
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := guest.WaitFor(wait, last); err != nil {
			fmt.Println(err)
		}
		return guest.State()
	}
	// The fake's default world has an ONLINE group.
	s := ask(mluvii.ActivityHandOff)
	fmt.Println("ended by", s.EndedBy, "with HandoffReason", s.CallParams["HandoffReason"])

	// Now every group is offline.
	fake.SetResponder(mluvii.ActivityGetAvailableGroups, func(*mluviitest.Request) map[string]any {
		return map[string]any{"availableGroups": []any{
			map[string]any{"groupId": 2, "displayName": "Sales", "groupState": "OFFLINE", "groupOfflineReasons": []any{"BUSINESS_HOURS"}},
		}}
	})
	s = ask(mluvii.ActivitySendGuestOfflineEmail)
	fmt.Println("offline e-mails:", len(s.OfflineEmails), s.OfflineEmails[0]["subject"])
	// Output:
	// ended by HandOff with HandoffReason guest_asked
	// offline e-mails: 1 Callback request
}

// Cards, buttons, suggested actions and the input hint are options of
// SendMessage, built with NewHeroCard, NewThumbnailCard, IMBack and
// NewSuggestedActions.
func ExampleClient_SendMessage() {
	fake, stop := startFakeMluvii()
	defer stop()
	ctx := context.Background()
	c := mluvii.NewClient(fake.URL, fake.ChatbotID, mluvii.WithClientCredentials(fake.ClientID, fake.ClientSecret))
	guest, _ := fake.StartConversation(mluvii.ChannelWebChat)

	err := c.SendMessage(ctx, guest.ID(),
		mluvii.WithText("Which plan?"),
		mluvii.WithAttachmentLayout(mluvii.AttachmentLayoutCarousel),
		mluvii.WithAttachments(
			mluvii.NewHeroCard("Mini").WithSubtitle("5 GB").WithImages("https://example.com/mini.png").
				WithButtons(mluvii.IMBack("Choose Mini", "plan_mini")),
			mluvii.NewHeroCard("Maxi").WithSubtitle("unlimited").
				WithButtons(mluvii.IMBack("Choose Maxi", "plan_maxi")),
		),
		mluvii.WithSuggestedActions(mluvii.NewSuggestedActions(mluvii.IMBack("Talk to a person", "operator"))))
	if err != nil {
		fmt.Println(err)
		return
	}
	sent := guest.ExpectNext()
	fmt.Println(sent.Name, sent.Status)
	fmt.Printf("%s\n", sent.Body)
	// Output:
	// Message 200
	// {"type":"message","sessionId":4815162342,"text":"Which plan?","attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"Mini","subtitle":"5 GB","images":[{"url":"https://example.com/mini.png"}],"buttons":[{"type":"imBack","title":"Choose Mini","value":"plan_mini"}]}},{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"Maxi","subtitle":"unlimited","buttons":[{"type":"imBack","title":"Choose Maxi","value":"plan_maxi"}]}}],"attachmentLayout":"carousel","suggestedActions":{"actions":[{"type":"imBack","title":"Talk to a person","value":"operator"}]}}
}
