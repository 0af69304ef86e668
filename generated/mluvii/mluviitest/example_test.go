package mluviitest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// registerBot is the bot under test: it greets every new conversation, stores
// the order number the guest types in the call params, and hands off.
func registerBot(d *mluvii.Dispatcher, client *mluvii.Client) {
	d.OnConversationStarted(func(ctx context.Context, a *mluvii.ConversationStarted) error {
		return client.Send(ctx, &mluvii.Text{SessionID: a.SessionID, Text: "Hello! What is your order number?"})
	})
	d.OnText(func(ctx context.Context, a *mluvii.Text) error {
		resp, err := client.SendAndWait(ctx, &mluvii.SetCallParams{
			SessionID: a.SessionID, CallParams: map[string]string{"order_no": a.Text}})
		if err != nil {
			return err
		}
		if r := resp.(*mluvii.SetCallParamsResponse); !r.Success {
			return errors.New(r.ErrorMessage)
		}
		if err := client.Send(ctx, &mluvii.Text{SessionID: a.SessionID, Text: "Thanks, an operator will take over."}); err != nil {
			return err
		}
		return client.Send(ctx, &mluvii.HandOff{SessionID: a.SessionID})
	})
}

func TestBot(t *testing.T) {
	srv := mluviitest.NewServer(t) // the fake mluvii, closed when the test ends

	// The bot, wired as in production but pointed at the fake.
	d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"))
	client := mluvii.NewClient(srv.URL, srv.ChatbotID,
		mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithDispatcher(d))
	registerBot(d, client)
	// Serve the webhook and point the fake at it; when the test ends the
	// dispatcher is closed first, so handlers inside …AndWait get their answers.
	srv.ServeBot(d, "/mluvii?secret=s3cr3t")

	// The guest opens the web chat and answers the greeting.
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
	sess.AssertBotSaid("Thanks, an operator will take over.")
	sess.ExpectHandOff()

	// What mluvii holds now, and nothing the bot sent was wrong or merely tolerated.
	if st := sess.State(); st.EndedBy != "HandOff" || st.CallParams["order_no"] != "CZ-2024-118" {
		t.Errorf("session state: %+v", st)
	}
	srv.AssertNoRejections()
	srv.AssertNoWarnings()
}
