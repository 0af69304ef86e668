package mluviitest

import (
	"context"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// TestServeBotTearsDownInOrder: a test that ends while the bot's handler
// waits in …AndWait lets the handler get its answer (the dispatcher is
// closed before the webhook), instead of waiting out its timeout against a
// closed webhook.
func TestServeBotTearsDownInOrder(t *testing.T) {
	result := make(chan error, 1)
	t.Run("bot", func(t *testing.T) {
		srv := NewServer(t)
		d := mluvii.NewDispatcher(mluvii.WithCallbackSecret("s3cr3t"), mluvii.WithDispatchLogger(nil))
		client := mluvii.NewClient(srv.URL, srv.ChatbotID,
			mluvii.WithClientCredentials(srv.ClientID, srv.ClientSecret), mluvii.WithDispatcher(d))
		d.OnText(func(ctx context.Context, a *mluvii.Text) error {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_, err := client.GetCallParamsAndWait(ctx, a.SessionID)
			result <- err
			return err
		})
		if u := srv.ServeBot(d, "/mluvii?secret=s3cr3t"); u != srv.CallbackURL() {
			t.Errorf("ServeBot returned %q, the callback URL is %q", u, srv.CallbackURL())
		}
		sess, err := srv.StartConversation(mluvii.ChannelWebChat)
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.Text("hi"); err != nil {
			t.Fatal(err)
		}
		// The test ends here, with the handler in GetCallParamsAndWait.
	})
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("the handler's GetCallParamsAndWait: %v, want its answer", err)
		}
	default:
		t.Error("the handler had not returned when the test's teardown ended")
	}
}
