// pulumi-resource-kubernetes, built from the provider module. The module's own cmd/pulumi-resource-kubernetes
// embeds schema-embed.json and terraform-mapping-embed.json, which its release build generates and the module
// does not ship; build.sh writes them beside this file from the module's committed schema.json and
// terraform-mapping.json (the schema stamped with the release version, as the release build does).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is stamped by build.sh (-ldflags -X): the engine checks it against the plugin's version.
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
