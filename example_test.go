package datafold_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// fake starts the fake Datafold for an example. A test uses
// datafoldtest.NewServer(t, ...) and srv.Client() instead; a program calls
// datafold.NewClient() with DATAFOLD_API_KEY set.
func fake(opts ...datafoldtest.Option) (*datafoldtest.Server, func()) {
	h, err := datafoldtest.NewHandler(opts...)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(h)
	return &datafoldtest.Server{Handler: h, URL: ts.URL}, ts.Close
}

// Removing a BI integration, and telling "already gone" from a failure.
func Example() {
	// A fake Datafold stands in for https://app.datafold.com here. In a
	// program, set DATAFOLD_API_KEY (and DATAFOLD_HOST for other regions)
	// and call datafold.NewClient() with no options.
	srv, stop := fake(datafoldtest.WithIntegrations(42))
	defer stop()

	c, err := datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		// Check gives the response and one error for every failure.
		_, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
		switch {
		case err == nil:
			fmt.Println("removed integration 42")
		case errors.Is(err, datafold.ErrNotFound):
			fmt.Println("already gone:", err)
		default:
			log.Fatal(err) // see Check for what each kind of error means
		}
	}
	// Output:
	// removed integration 42
	// already gone: datafold: DELETE /api/v1/lineage/bi/42/: 404 Not Found: Integration not found
}

// Offboarding every BI integration: the list comes from an endpoint the
// OpenAPI document lacks (Datafold's published one has it), called with
// Do; each removal is a generated method.
func ExampleDo() {
	// The fake answers the list from its own integrations; a test of
	// yours would do the same with datafoldtest.NewServer(t, ...).
	var srv *datafoldtest.Server
	list := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		type integration struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		}
		var all []integration
		for _, id := range srv.Integrations() {
			all = append(all, integration{id, fmt.Sprint("Tableau ", id)})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(all)
	})
	srv, stop := fake(datafoldtest.WithIntegrations(7, 42),
		datafoldtest.WithRoute("GET /api/v1/lineage/bi/", list))
	defer stop()
	c := srv.Client()
	ctx := context.Background()

	var integrations []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	if err := datafold.Do(ctx, c, http.MethodGet, "/api/v1/lineage/bi/", nil, &integrations); err != nil {
		log.Fatal(err)
	}
	for _, in := range integrations {
		if _, err := datafold.Check(c.RemoveIntegrationWithResponse(ctx, in.ID)); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("removed %d (%s)\n", in.ID, in.Name)
	}
	fmt.Println("left:", srv.Integrations())
	// Output:
	// removed 7 (Tableau 7)
	// removed 42 (Tableau 42)
	// left: []
}

// The API key editor on its own, with the generated client and none of
// NewClient's retries or limits.
func ExampleAPIKey() {
	srv, stop := fake(datafoldtest.WithIntegrations(7))
	defer stop()

	key, err := datafold.NewAPIKey(srv.APIKey())
	if err != nil {
		log.Fatal(err)
	}
	c, err := api.NewClientWithResponses(srv.URL, api.WithRequestEditorFn(key.Intercept))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.RemoveIntegrationWithResponse(context.Background(), 7)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), key)
	// Output: 200 Key [REDACTED]
}

// Check gives every failure of a call as one error, sorted here the way
// an offboarding tool would sort it.
func ExampleCheck() {
	srv, stop := fake(
		datafoldtest.WithIntegrations(42),
		// Integration 43 answers as a FastAPI handler raising
		// HTTPException(422, "..."), which the generated JSON422 cannot hold.
		datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/lineage/bi/43/" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = io.WriteString(w, `{"detail": "Integration is in use"}`)
				return
			}
			// Integration 44 is removed, but the answer's body is lost.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
		})),
	)
	defer stop()
	c := srv.Client()

	for _, id := range []int{43, 44} {
		_, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), id))
		var apiErr *datafold.APIError
		switch {
		case err == nil:
			fmt.Println(id, "removed")
		case errors.Is(err, datafold.ErrNotFound):
			fmt.Println(id, "already gone")
		case errors.Is(err, datafold.ErrMalformedBody):
			// The server accepted the request: it has probably happened.
			fmt.Println(id, "probably removed:", err)
		case errors.As(err, &apiErr):
			// Any other status: the server said no.
			fmt.Println(id, "refused:", apiErr.StatusCode, apiErr.Detail)
		default:
			// No answer (network, deadline, body limit): unknown.
			fmt.Println(id, "unknown:", err)
		}
	}
	// Output:
	// 43 refused: 422 Integration is in use
	// 44 probably removed: datafold: malformed response body: DELETE /api/v1/lineage/bi/44/: the server answered 200 OK with an empty body, though it declared Content-Type "application/json"
}

// The plain methods return the *http.Response unread; Check (and
// CheckResponse) read a failed one's body into the *APIError.
func ExampleCheck_plainMethod() {
	srv, stop := fake()
	defer stop()
	c := srv.Client()

	resp, err := datafold.Check(c.RemoveIntegration(context.Background(), 42))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	// Output: datafold: DELETE /api/v1/lineage/bi/42/: 404 Not Found: Integration not found
}

// Reading an *APIError: the status, FastAPI's detail, and the validation
// issues of a 422.
func ExampleAPIError() {
	srv, stop := fake(datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-123")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"detail": [{"loc": ["path", "bi_datasource_id"], "msg": "Input should be greater than 0", "type": "greater_than"}]}`)
	})))
	defer stop()

	resp, err := datafold.Check(srv.Client().RemoveIntegrationWithResponse(context.Background(), 42))
	var apiErr *datafold.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RequestID, errors.Is(err, datafold.ErrValidation))
		for _, issue := range apiErr.Issues {
			fmt.Println(issue.Field(), "-", issue.Msg)
		}
		// The generated type holds FastAPI's list too.
		fmt.Println("resp.JSON422 set:", resp.JSON422 != nil)
	}
	// Output:
	// 422 req-123 true
	// path.bi_datasource_id - Input should be greater than 0
	// resp.JSON422 set: true
}

// A RetryPolicy with short waits: the fake fails the first two attempts
// with 503, the third succeeds; then it fails more often than the policy
// retries, and the last answer is the error.
func ExampleRetryPolicy() {
	srv, stop := fake(datafoldtest.WithIntegrations(42))
	defer stop()
	policy := datafold.DefaultRetryPolicy()
	policy.MaxRetries = 2
	policy.MinBackoff, policy.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	c, err := datafold.NewClient(
		datafold.WithServer(srv.URL),
		datafold.WithAPIKey(srv.APIKey()),
		datafold.WithRetryPolicy(policy),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.FailNext(2, http.StatusServiceUnavailable, "")
	_, err = datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
	fmt.Println(err, "after", len(srv.Requests()), "attempts")

	srv.FailNext(3, http.StatusServiceUnavailable, "0")
	_, err = datafold.Check(c.RemoveIntegrationWithResponse(ctx, 42))
	fmt.Println(err)
	// Output:
	// <nil> after 3 attempts
	// datafold: DELETE /api/v1/lineage/bi/42/: 503 Service Unavailable: Service Unavailable (after 3 attempts)
}

// WithLogger logs every attempt at debug level, the key redacted. The
// handler here drops what changes from run to run (time, duration, the
// fake's port).
func ExampleWithLogger() {
	srv, stop := fake(datafoldtest.WithIntegrations(42))
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration":
				return slog.Attr{}
			case "url":
				u, _ := url.Parse(a.Value.String())
				return slog.String("path", u.Path)
			}
			return a
		},
	}))

	_, err := datafold.Check(srv.Client(datafold.WithLogger(logger)).RemoveIntegrationWithResponse(context.Background(), 42))
	fmt.Println(err)
	// Output:
	// level=DEBUG msg="datafold request" method=DELETE path=/api/v1/lineage/bi/42/ attempt=1 status=200
	// <nil>
}
