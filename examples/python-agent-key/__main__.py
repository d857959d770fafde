"""A Soda Agent key from a Pulumi Python program, through the soda provider plugin."""

import pulumi
import pulumi_soda as soda

config = pulumi.Config()

agent_key = soda.AgentKey(
    "agent-key",
    agent_name=config.get("agentName") or "python-agent",
    rotation_period=config.get("rotationPeriod") or "90d",
    # A new period rotates the key at once instead of at the end of the old one. Soda Cloud refuses a second
    # agent under one name, so the old one goes first: the plugin asks for this on every replacement it decides,
    # and delete_before_replace covers those the engine forces without asking it (`pulumi up --replace`).
    opts=pulumi.ResourceOptions(replace_on_changes=["rotationPeriod"], delete_before_replace=True),
)

pulumi.export("agentKeyId", agent_key.api_key_id)
pulumi.export("agentKeySecret", agent_key.api_key_secret)
pulumi.export("endpoint", agent_key.endpoint)

# A second organisation (or the other region) in the same stack: an explicit provider instance with its own
# endpoint and admin key. Set otherHost, otherApiKeyId and otherApiKeySecret (as a secret) to use it.
other_host = config.get("otherHost")
if other_host is not None:
    other = soda.Provider(
        "other",
        host=other_host,
        api_key_id=config.require("otherApiKeyId"),
        api_key_secret=config.require_secret("otherApiKeySecret"),
    )
    other_key = soda.AgentKey(
        "other-agent-key",
        agent_name=config.get("otherAgentName") or "python-agent",
        opts=pulumi.ResourceOptions(provider=other),
    )
    pulumi.export("otherAgentKeyId", other_key.api_key_id)
    pulumi.export("otherAgentKeySecret", other_key.api_key_secret)
