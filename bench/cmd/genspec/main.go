// Command genspec writes a synthetic FastAPI-style OpenAPI 3.1 document with
// a given number of operations, to measure how generation and build time
// grow with the size of Datafold's spec.
//
//	genspec -ops 1000 [-seed] > spec.yaml
//
// Operations come in groups of five per resource (list with query
// parameters, get, create and replace with $ref bodies, delete), with
// nullable fields, enums and FastAPI's operationIds and validation errors.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	ops := flag.Int("ops", 100, "number of operations")
	seed := flag.Bool("seed", false, "also include the seed's Remove an integration operation")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	write(w, *ops, *seed)
}

func write(w *bufio.Writer, ops int, seed bool) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	resources := (ops + 4) / 5
	p("openapi: 3.1.0")
	p("info: {title: Synthetic Datafold-style API, version: '1'}")
	p("servers: [{url: 'https://app.datafold.com'}]")
	p("security: [{ApiKeyAuth: []}]")
	p("paths:")
	if seed {
		p("  /api/v1/lineage/bi/{bi_datasource_id}/:")
		p("    delete:")
		p("      operationId: remove_integration_api_v1_lineage_bi__bi_datasource_id___delete")
		p("      parameters: [{in: path, name: bi_datasource_id, required: true, schema: {title: BI integration id, type: integer}}]")
		response(p, "200", "{}")
	}
	n := 0
	for r := range resources {
		if n >= ops {
			break
		}
		coll := fmt.Sprintf("/api/v1/resource%d/", r)
		item := fmt.Sprintf("/api/v1/resource%d/{item_id}", r)
		itemID := fmt.Sprintf("_api_v1_resource%d__item_id_", r)
		collID := fmt.Sprintf("_api_v1_resource%d_", r)
		p("  %s:", coll)
		if n < ops {
			n++
			p("    get:")
			p("      operationId: list_resource%d%s_get", r, collID)
			p("      parameters:")
			p("        - {in: query, name: limit, required: false, schema: {type: integer, default: 50, title: Limit}}")
			p("        - {in: query, name: cursor, required: false, schema: {anyOf: [{type: string}, {type: 'null'}], title: Cursor}}")
			response(p, "200", fmt.Sprintf("{type: array, items: {$ref: '#/components/schemas/Resource%d'}}", r))
		}
		if n < ops {
			n++
			p("    post:")
			p("      operationId: create_resource%d%s_post", r, collID)
			p("      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Resource%dCreate'}}}}", r)
			response(p, "201", fmt.Sprintf("{$ref: '#/components/schemas/Resource%d'}", r))
		}
		if n >= ops {
			break
		}
		p("  %s:", item)
		for _, m := range []string{"get", "put", "delete"} {
			if n >= ops {
				break
			}
			n++
			p("    %s:", m)
			p("      operationId: %s_resource%d%s_%s", m, r, itemID, m)
			p("      parameters: [{in: path, name: item_id, required: true, schema: {type: integer, title: Item Id}}]")
			if m == "put" {
				p("      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Resource%dCreate'}}}}", r)
			}
			schema := fmt.Sprintf("{$ref: '#/components/schemas/Resource%d'}", r)
			if m == "delete" {
				schema = "{}"
			}
			response(p, "200", schema)
		}
	}
	p("components:")
	p("  securitySchemes:")
	p("    ApiKeyAuth: {type: apiKey, in: header, name: Authorization}")
	p("  schemas:")
	for r := range resources {
		p("    Resource%d:", r)
		p("      type: object")
		p("      required: [id, name, kind, created_at]")
		p("      properties:")
		p("        id: {type: integer, title: Id}")
		p("        name: {type: string, title: Name}")
		p("        kind: {type: string, enum: [a, b, c], title: Kind}")
		p("        created_at: {type: string, format: date-time, title: Created At}")
		p("        note: {anyOf: [{type: string}, {type: 'null'}], title: Note}")
		p("        tags: {type: array, items: {type: string}, title: Tags}")
		p("    Resource%dCreate:", r)
		p("      type: object")
		p("      required: [name]")
		p("      properties:")
		p("        name: {type: string, title: Name}")
		p("        note: {anyOf: [{type: string}, {type: 'null'}], title: Note}")
	}
	p("    HTTPValidationError:")
	p("      type: object")
	p("      properties: {detail: {type: array, items: {$ref: '#/components/schemas/ValidationError'}}}")
	p("    ValidationError:")
	p("      type: object")
	p("      required: [loc, msg, type]")
	p("      properties:")
	p("        loc: {type: array, items: {anyOf: [{type: string}, {type: integer}]}}")
	p("        msg: {type: string}")
	p("        type: {type: string}")
}

func response(p func(string, ...any), status, schema string) {
	p("      responses:")
	p("        '%s': {description: Successful Response, content: {application/json: {schema: %s}}}", status, schema)
	p("        '422': {description: Validation Error, content: {application/json: {schema: {$ref: '#/components/schemas/HTTPValidationError'}}}}")
}
