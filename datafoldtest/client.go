package datafoldtest

import (
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// Client returns a client for the fake, made by [datafold.NewClient] as
// your program makes it, with the fake's address and key:
//
//	srv := datafoldtest.NewServer(t, datafoldtest.WithIntegrations(42))
//	c := srv.Client()
//	resp, err := datafold.Check(c.RemoveIntegrationWithResponse(t.Context(), 42))
//
// It retries as [datafold.DefaultRetryPolicy] says but waits milliseconds,
// not seconds, between attempts (a Retry-After the fake sends is still
// honoured). opts are applied after those defaults, so they override them:
// datafold.WithAPIKey("wrong") to test a 401, datafold.WithoutRetries(),
// datafold.WithLogger(...). An invalid option is a mistake in the test
// itself: it fails the test NewServer was given (t.Fatal), or panics for a
// Server built by hand.
func (s *Server) Client(opts ...datafold.Option) *api.ClientWithResponses {
	retry := datafold.DefaultRetryPolicy()
	retry.MinBackoff, retry.MaxBackoff = time.Millisecond, 10*time.Millisecond
	all := append([]datafold.Option{
		datafold.WithServer(s.URL),
		datafold.WithAPIKey(s.APIKey()),
		datafold.WithRetryPolicy(retry),
	}, opts...)
	c, err := datafold.NewClient(all...)
	if err != nil {
		if s.t == nil {
			panic("datafoldtest: Server.Client: " + err.Error())
		}
		s.t.Helper()
		s.t.Fatalf("datafoldtest: Server.Client: %v", err)
	}
	return c
}
