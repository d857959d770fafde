// A Soda Agent key from a Pulumi Go program, through the soda provider plugin.
package main

import (
	"example.com/pulumi-soda/sdk/go/soda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		agentKey, err := soda.NewAgentKey(ctx, "agent-key", &soda.AgentKeyArgs{
			AgentName:      pulumi.String(orDefault(cfg.Get("agentName"), "go-agent")),
			RotationPeriod: pulumi.String(orDefault(cfg.Get("rotationPeriod"), "90d")),
		},
			// A new period rotates the key at once instead of at the end of the old one. Soda Cloud refuses a
			// second agent under one name, so the old one goes first: the plugin asks for this on every replacement
			// it decides, and DeleteBeforeReplace covers those the engine forces without asking it.
			pulumi.ReplaceOnChanges([]string{"rotationPeriod"}),
			pulumi.DeleteBeforeReplace(true),
		)
		if err != nil {
			return err
		}
		ctx.Export("agentKeyId", agentKey.ApiKeyId)
		ctx.Export("agentKeySecret", agentKey.ApiKeySecret)
		ctx.Export("endpoint", agentKey.Endpoint)

		// A second organisation (or the other region) in the same stack: an explicit provider instance with its own
		// endpoint and admin key. Set otherHost, otherApiKeyId and otherApiKeySecret (as a secret) to use it.
		otherHost := cfg.Get("otherHost")
		if otherHost == "" {
			return nil
		}
		other, err := soda.NewProvider(ctx, "other", &soda.ProviderArgs{
			Host:         pulumi.StringPtr(otherHost),
			ApiKeyId:     pulumi.StringPtr(cfg.Require("otherApiKeyId")),
			ApiKeySecret: cfg.RequireSecret("otherApiKeySecret"),
		})
		if err != nil {
			return err
		}
		otherKey, err := soda.NewAgentKey(ctx, "other-agent-key", &soda.AgentKeyArgs{
			AgentName: pulumi.String(orDefault(cfg.Get("otherAgentName"), "go-agent")),
		}, pulumi.Provider(other), pulumi.DeleteBeforeReplace(true))
		if err != nil {
			return err
		}
		ctx.Export("otherAgentKeyId", otherKey.ApiKeyId)
		ctx.Export("otherAgentKeySecret", otherKey.ApiKeySecret)
		return nil
	})
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
