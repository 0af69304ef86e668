package mluvii_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// bot is a bot in the same process as its fake mluvii: a dispatcher on an
// httptest server, and a client registered with the dispatcher's waiters.
type bot struct {
	srv    *mluviitest.Server
	d      *mluvii.Dispatcher
	c      *mluvii.Client
	mu     sync.Mutex
	hooked []mluvii.Activity // what reached OnActivity (not a waiter)
}

const hookSecret = "hook-s3cr3t"

func newBot(t *testing.T, opts ...mluviitest.Option) *bot {
	t.Helper()
	b := &bot{srv: mluviitest.NewServer(t, opts...)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.d = mluvii.NewDispatcher(mluvii.WithCallbackSecret(hookSecret), mluvii.WithDispatchLogger(quiet))
	b.d.OnActivity(func(ctx context.Context, a mluvii.Activity) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.hooked = append(b.hooked, a)
		return nil
	})
	hook := httptest.NewServer(b.d)
	t.Cleanup(func() {
		hook.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.d.Close(ctx)
	})
	b.c = mluvii.NewClient(b.srv.URL, b.srv.ChatbotID,
		mluvii.WithClientCredentials(b.srv.ClientID, b.srv.ClientSecret),
		mluvii.WithDispatcher(b.d),
		mluvii.WithRetryPolicy(mluvii.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	if err := b.c.SetCallbackURL(t.Context(), hook.URL+"/mluvii?secret="+hookSecret); err != nil {
		t.Fatal(err)
	}
	return b
}

// start starts a WebChat conversation and waits until the bot has it.
func (b *bot) start(t *testing.T) *mluviitest.Session {
	t.Helper()
	se, err := b.srv.StartConversation(mluvii.ChannelWebChat)
	if err != nil {
		t.Fatal(err)
	}
	b.waitHooked(t, func(a mluvii.Activity) bool {
		return a.ActivityName() == mluvii.ActivityConversationStarted && a.Session() == se.ID()
	})
	return se
}

// waitHooked waits until a handler got an activity matching ok.
func (b *bot) waitHooked(t *testing.T, ok func(mluvii.Activity) bool) mluvii.Activity {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if a := b.findHooked(ok); a != nil {
			return a
		}
	}
	t.Fatalf("no matching activity reached the handlers; got %v", b.hookedNames())
	return nil
}

func (b *bot) findHooked(ok func(mluvii.Activity) bool) mluvii.Activity {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range b.hooked {
		if ok(a) {
			return a
		}
	}
	return nil
}

func (b *bot) countHooked(name string, session int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, a := range b.hooked {
		if a.ActivityName() == name && a.Session() == session {
			n++
		}
	}
	return n
}

func (b *bot) hookedNames() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var names []string
	for _, a := range b.hooked {
		names = append(names, a.ActivityName())
	}
	return names
}

// sentCount counts the activity endpoint's entries for name in a session,
// whatever mluvii answered.
func sentCount(se *mluviitest.Session, name string) int {
	n := 0
	for _, e := range se.Transcript() {
		if e.Dir == mluviitest.FromBot && e.Name == name {
			n++
		}
	}
	return n
}

// call sends one activity through its typed method; AndWait methods return
// the answer.
type call func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error)

func send(err error) (mluvii.Activity, error) { return nil, err }

func wait[R mluvii.Activity](r R, err error) (mluvii.Activity, error) { return r, err }

// everyMethod holds one call per activity the bot sends: AndWait for paired
// requests, the plain method for the others.
var everyMethod = map[string]call{
	mluvii.ActivityText: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.SendText(ctx, s, "Dobrý den", mluvii.WithTimestamp(mluvii.Now())))
	},
	mluvii.ActivityMessage: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.SendMessage(ctx, s, mluvii.WithText("Vyberte:"), mluvii.WithAttachments(
			mluvii.NewHeroCard("Mini").WithButtons(mluvii.IMBack("Chci", "mini")))))
	},
	mluvii.ActivityRichCardList: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		card, err := mluvii.NewHeroCard("Mini").WithButtons(mluvii.IMBack("Chci", "mini")).RichCard()
		if err != nil {
			return nil, err
		}
		return send(c.SendRichCardList(ctx, s, []mluvii.RichCard{card}, mluvii.WithLayout(mluvii.RichCardLayoutCarousel)))
	},
	mluvii.ActivityGetAvailableOperators: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetAvailableOperatorsAndWait(ctx, s, mluvii.WithGroupID(1)))
	},
	mluvii.ActivityGetAvailableGroups: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetAvailableGroupsAndWait(ctx, s))
	},
	mluvii.ActivityGetCallParams: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetCallParamsAndWait(ctx, s))
	},
	mluvii.ActivitySetCallParams: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.SetCallParamsAndWait(ctx, s, map[string]string{"HandoffReason": "test"}))
	},
	mluvii.ActivitySendGuestOfflineEmail: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.SendGuestOfflineEmail(ctx, s, "Callback", "Please call me", mluvii.WithLocation("test bot")))
	},
	mluvii.ActivityGetGuestIdentity: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetGuestIdentityAndWait(ctx, s))
	},
	mluvii.ActivityForward: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.Forward(ctx, s, mluvii.WithOperatorGroupID(1)))
	},
	mluvii.ActivityHandOff: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.HandOff(ctx, s))
	},
	mluvii.ActivityEndConversation: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.EndConversation(ctx, s))
	},
	mluvii.ActivityTyping: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.Typing(ctx, s, true))
	},
	mluvii.ActivityDisableGuestInput: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.DisableGuestInputAndWait(ctx, s))
	},
	mluvii.ActivityEnableGuestInput: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.EnableGuestInputAndWait(ctx, s))
	},
	mluvii.ActivityGetHeroCards: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetHeroCardsAndWait(ctx, s))
	},
	mluvii.ActivitySendHeroCard: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.SendHeroCardAndWait(ctx, s, 1, mluvii.WithSelectedLanguage("cs")))
	},
	mluvii.ActivityChatbotOpenFileUploadPrompt: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.ChatbotOpenFileUploadPromptAndWait(ctx, s))
	},
	mluvii.ActivityEnableGuestUpload: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.EnableGuestUploadAndWait(ctx, s))
	},
	mluvii.ActivityDisableGuestUpload: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.DisableGuestUploadAndWait(ctx, s))
	},
	mluvii.ActivityGetMediaObjects: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.GetMediaObjectsAndWait(ctx, s))
	},
	mluvii.ActivityShareFile: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.ShareFileAndWait(ctx, s, mluvii.WithName("pricelist.pdf")))
	},
	mluvii.ActivityObtainCrmIdentity: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.ObtainCrmIdentityAndWait(ctx, s))
	},
	mluvii.ActivityAssignCrmIdentity: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.AssignCrmIdentityAndWait(ctx, s))
	},
	mluvii.ActivitySetTag: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.SetTag(ctx, s, "vip"))
	},
	mluvii.ActivityUnsetTag: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return send(c.UnsetTag(ctx, s, "vip"))
	},
	mluvii.ActivityRequestLocation: func(ctx context.Context, c *mluvii.Client, s int64) (mluvii.Activity, error) {
		return wait(c.RequestLocationAndWait(ctx, s, mluvii.WithText("Where are you?")))
	},
}

func TestClientEveryActivityEndToEnd(t *testing.T) {
	b := newBot(t, mluviitest.WithAutoAnswer()) // the guest answers prompts at once
	for _, info := range mluvii.Activities() {
		if !info.Sent {
			continue
		}
		call := everyMethod[info.Name]
		if call == nil {
			t.Errorf("%s: no case; add its method to everyMethod", info.Name)
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			se := b.start(t)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			resp, err := call(ctx, b.c, se.ID())
			if err != nil {
				t.Fatalf("%v\n%s", err, b.srv.Dump())
			}
			if n := sentCount(se, info.Name); n != 1 {
				t.Fatalf("mluvii got %s %d times, want 1", info.Name, n)
			}
			if info.Response == "" {
				return
			}
			if resp == nil || resp.ActivityName() != info.Response || resp.Session() != se.ID() {
				t.Fatalf("AndWait returned %#v, want a %s for session %d", resp, info.Response, se.ID())
			}
			if n := b.countHooked(info.Response, se.ID()); n != 0 {
				t.Fatalf("the answer also reached the handlers (%d times)", n)
			}
		})
	}
	b.srv.AssertNoRejections()
	if n := b.srv.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued for the whole run, want 1", n)
	}
}

func TestClientValidationSendsNothing(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	err := b.c.Forward(t.Context(), se.ID(), nil)
	var vErr *mluvii.ValidationError
	if !errors.As(err, &vErr) || !errors.Is(err, mluvii.ErrInvalid) {
		t.Fatalf("Forward without a target: err = %v, want a ValidationError", err)
	}
	if err := b.c.SendText(t.Context(), 0, "hi"); !errors.Is(err, mluvii.ErrInvalid) {
		t.Fatalf("SendText to session 0: err = %v", err)
	}
	if _, err := b.c.ShareFileAndWait(t.Context(), se.ID(), nil); !errors.Is(err, mluvii.ErrInvalid) {
		t.Fatalf("ShareFileAndWait without a target: err = %v", err)
	}
	if n := sentCount(se, mluvii.ActivityForward) + sentCount(se, mluvii.ActivityShareFile); n != 0 {
		t.Fatalf("invalid activities reached mluvii %d times", n)
	}
}

func TestClientTokensEndToEnd(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if err := b.c.Typing(t.Context(), se.ID(), true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := b.srv.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens for 41 calls, want 1", n)
	}
	// A revoked token is refreshed once and the call repeated once.
	b.srv.ExpireTokens()
	if err := b.c.Forward(t.Context(), se.ID(), mluvii.WithUserID(101)); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens after a revocation, want 2", n)
	}
	// The fake leaves 401s out of the transcript: the retry is the one entry.
	if got := sentCount(se, mluvii.ActivityForward); got != 1 {
		t.Fatalf("Forward accepted %d times, want 1", got)
	}
	// The token endpoint is retried like a safe call. (Forward ended se.)
	se = b.start(t)
	b.srv.ExpireTokens()
	b.srv.SetTokenFault(mluviitest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if err := b.c.Typing(t.Context(), se.ID(), false); err != nil {
		t.Fatalf("after a token endpoint 503: %v", err)
	}
	b.srv.ExpireTokens()
	b.srv.SetTokenFault(mluviitest.Fault{Drop: true, Times: 1})
	if err := b.c.Typing(t.Context(), se.ID(), false); err != nil {
		t.Fatalf("after a dropped token request: %v", err)
	}
}

func TestClientTokenExpiryEndToEnd(t *testing.T) {
	b := newBot(t, mluviitest.WithTokenExpiry(time.Second)) // refreshed 0.1 s early
	se := b.start(t)
	if err := b.c.Typing(t.Context(), se.ID(), true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(950 * time.Millisecond)
	if err := b.c.Typing(t.Context(), se.ID(), false); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens, want 2 (refreshed before expiry)", n)
	}
	if n := len(b.srv.Rejected()); n != 0 {
		t.Fatalf("%d calls rejected; the refresh came too late:\n%s", n, b.srv.Dump())
	}
}

func TestClientRetriesOnlySafeEndToEnd(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	b.srv.SetFault(mluvii.ActivityForward, mluviitest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	err := b.c.Forward(t.Context(), se.ID(), mluvii.WithOperatorGroupID(1))
	var apiErr *mluvii.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Activity != mluvii.ActivityForward {
		t.Fatalf("Forward after a 503: err = %v", err)
	}
	if n := sentCount(se, mluvii.ActivityForward); n != 1 {
		t.Fatalf("unsafe Forward sent %d times, want exactly 1", n)
	}
	b.srv.SetFault(mluvii.ActivityGetCallParams, mluviitest.Fault{Status: http.StatusBadGateway, Times: 2})
	if _, err := b.c.GetCallParamsAndWait(t.Context(), se.ID()); err != nil {
		t.Fatal(err)
	}
	if n := sentCount(se, mluvii.ActivityGetCallParams); n != 3 {
		t.Fatalf("safe GetCallParams sent %d times, want 3", n)
	}
	b.srv.SetFault(mluvii.ActivityGetHeroCards, mluviitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	if err := b.c.GetHeroCards(t.Context(), se.ID()); err != nil {
		t.Fatalf("after a 429: %v", err)
	}
	b.srv.SetFault(mluvii.ActivitySendHeroCard, mluviitest.Fault{Status: http.StatusTooManyRequests, Times: 1})
	if err := b.c.SendHeroCard(t.Context(), se.ID(), 1); !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("unsafe SendHeroCard after a 429: err = %v", err)
	}
	if n := sentCount(se, mluvii.ActivitySendHeroCard); n != 1 {
		t.Fatalf("unsafe SendHeroCard sent %d times, want 1", n)
	}
}

func TestClientContextCancelEndToEnd(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	b.srv.SetFault(mluvii.ActivityGetGuestIdentity, mluviitest.Fault{Delay: 2 * time.Second, Direction: mluviitest.FromBot})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.c.GetGuestIdentityAndWait(ctx, se.ID())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("returned after %v", d)
	}
	if n := b.d.Waiters().Len(); n != 0 {
		t.Fatalf("%d waiters left registered", n)
	}
}

func TestAndWaitSharedKeyInFlight(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	// Hold mluvii's answer so the first call is still waiting.
	b.srv.SetFault(mluvii.ActivityGuestInputChangeResponse, mluviitest.Fault{Delay: 300 * time.Millisecond, Times: 1})
	first := make(chan error, 1)
	go func() {
		_, err := b.c.DisableGuestInputAndWait(t.Context(), se.ID())
		first <- err
	}()
	if _, err := se.WaitFor(t.Context(), mluvii.ActivityDisableGuestInput); err != nil {
		t.Fatal(err)
	}
	// Enable shares GuestInputChangeResponse: its answer could not be told apart.
	if _, err := b.c.EnableGuestInputAndWait(t.Context(), se.ID()); !errors.Is(err, mluvii.ErrInFlight) {
		t.Fatalf("EnableGuestInputAndWait while Disable waits: err = %v, want ErrInFlight", err)
	}
	if n := sentCount(se, mluvii.ActivityEnableGuestInput); n != 0 {
		t.Fatalf("EnableGuestInput was sent %d times despite ErrInFlight", n)
	}
	// Another session is independent.
	other := b.start(t)
	if _, err := b.c.EnableGuestInputAndWait(t.Context(), other.ID()); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if _, err := b.c.EnableGuestInputAndWait(t.Context(), se.ID()); err != nil {
		t.Fatalf("after the first answer: %v", err)
	}
}

func TestAndWaitDroppedResponse(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	b.srv.SetFault(mluvii.ActivityGetCallParamsResponse, mluviitest.Fault{Drop: true, Times: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := b.c.GetCallParamsAndWait(ctx, se.ID()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	// The key is free again: the next request works.
	resp, err := b.c.GetCallParamsAndWait(t.Context(), se.ID())
	if err != nil || resp.SessionID != se.ID() {
		t.Fatalf("resp %v, err %v", resp, err)
	}
}

func TestAndWaitDuplicatedResponse(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	b.srv.SetFault(mluvii.ActivityGetMediaObjectsResponse, mluviitest.Fault{Duplicate: true, Times: 1})
	if _, err := b.c.GetMediaObjectsAndWait(t.Context(), se.ID()); err != nil {
		t.Fatal(err)
	}
	// The copy nobody waits for goes to the handler, once.
	b.waitHooked(t, func(a mluvii.Activity) bool {
		return a.ActivityName() == mluvii.ActivityGetMediaObjectsResponse && a.Session() == se.ID()
	})
	time.Sleep(50 * time.Millisecond)
	if n := b.countHooked(mluvii.ActivityGetMediaObjectsResponse, se.ID()); n != 1 {
		t.Fatalf("handler got %d copies, want 1", n)
	}
}

func TestAndWaitLateResponseGoesToHandler(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	b.srv.SetFault(mluvii.ActivityGetAvailableGroupsResponse, mluviitest.Fault{Delay: 300 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.c.GetAvailableGroupsAndWait(ctx, se.ID()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	late := b.waitHooked(t, func(a mluvii.Activity) bool {
		return a.ActivityName() == mluvii.ActivityGetAvailableGroupsResponse && a.Session() == se.ID()
	})
	if groups := late.(*mluvii.GetAvailableGroupsResponse).AvailableGroups; len(groups) == 0 {
		t.Fatalf("late answer has no groups: %s", late.RawJSON())
	}
}

func TestAndWaitWithoutWaiters(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	c := mluvii.NewClient(b.srv.URL, b.srv.ChatbotID, mluvii.WithClientCredentials(b.srv.ClientID, b.srv.ClientSecret))
	if _, err := c.GetCallParamsAndWait(t.Context(), se.ID()); !errors.Is(err, mluvii.ErrNoWaiters) {
		t.Fatalf("err = %v, want ErrNoWaiters", err)
	}
	if n := sentCount(se, mluvii.ActivityGetCallParams); n != 0 {
		t.Fatalf("sent %d times without a way to get the answer", n)
	}
}

func TestClientLeavesNoGoroutinesEndToEnd(t *testing.T) {
	b := newBot(t)
	se := b.start(t)
	if _, err := b.c.GetCallParamsAndWait(t.Context(), se.ID()); err != nil { // starts the workers, opens connections
		t.Fatal(err)
	}
	// The dispatcher's workers start from a goroutine of their own; on a busy
	// machine some may still be starting: count once the number settles.
	before := settledGoroutines()
	for i := range 30 {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		if i%3 == 0 {
			b.srv.SetFault(mluvii.ActivityGetCallParamsResponse, mluviitest.Fault{Drop: true, Times: 1})
			cancel()
			ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
		}
		b.c.GetCallParamsAndWait(ctx, se.ID())
		cancel()
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// +2: the fake may still hold a keep-alive connection's goroutines.
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
	if n := b.d.Waiters().Len(); n != 0 {
		t.Fatalf("%d waiters left registered", n)
	}
}

// settledGoroutines returns the number of goroutines once it has not changed
// for 50 ms (at most 5 s).
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}
