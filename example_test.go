package datafold_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
	"github.com/datafold/datafold-go/datafoldtest"
)

// Removing a BI integration, and telling "already gone" from a failure.
func Example() {
	// A fake Datafold stands in for https://app.datafold.com here. In a
	// program, set DATAFOLD_API_KEY (and DATAFOLD_HOST for other regions)
	// and call datafold.NewClient() with no options.
	fake, err := datafoldtest.NewHandler(datafoldtest.WithIntegrations(42))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	c, err := datafold.NewClient(datafold.WithServer(srv.URL), datafold.WithAPIKey(fake.APIKey()))
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

// The API key editor on its own, with the generated client and none of
// NewClient's retries or limits.
func ExampleAPIKey() {
	fake, err := datafoldtest.NewHandler(datafoldtest.WithIntegrations(7))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	key, err := datafold.NewAPIKey(fake.APIKey())
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
