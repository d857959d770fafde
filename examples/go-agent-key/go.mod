module go-agent-key

go 1.25

require (
	example.com/pulumi-soda/sdk/go/soda v0.0.0
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
)

// The SDK `pulumi package add` generates from the plugin's schema.
replace example.com/pulumi-soda/sdk/go/soda => ./sdks/soda
