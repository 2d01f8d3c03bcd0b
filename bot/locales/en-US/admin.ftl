# What moderators read (/admin), and the audit channel (in the guild's language).

granted = Granted { $amount } credits to { $member }; they now have { $balance }.
revoked = Revoked { $amount } credits from { $member }; they now have { $balance }.
balance-set = { $member } now has { $balance } credits.
ledger-title = Ledger of { $member }
ledger-empty = No entries yet.
ledger-available = available: { $available }
banned = { $until ->
    [none] { $member } can't generate until unbanned.
   *[other] { $member } can't generate until { $until }.
}
unbanned = { $lifted ->
    [one] { $member } may generate again (1 ban lifted).
   *[other] { $member } may generate again ({ $lifted } bans lifted).
}
jobs-line = **#{ $job }** { $member } · { $state ->
    [queued] queued
    [submitted] submitted
    [running] rendering
   *[other] { $state }
} · { $duration } s { $resolution } · { $price } credits held
jobs-none = No jobs are running or queued.
button-cancel-job = Cancel #{ $job }
cancelled-from-list = cancelled from the jobs list
no-reason-given = no reason given
admin-cancelled = Job #{ $job } cancelled; { $price } credits released.
provider-not-set-up = The operator has not configured { $provider } (no API key); available: { $available }.
pick-channel = Pick the channel to allow or disallow.
config-saved = Saved. It applies now.

config-title = Callsheet configuration
config-everywhere = every channel
config-none = none
config-no-limit = no limit
config-count = { $n }
config-manage-only = Manage Server only
config-sessions = Sessions
config-sessions-value =
    channels: { $channels }
    default: { $model }, { $duration } s, { $resolution }
    longest clip: { $longest } s · idle timeout: { $idle } min
    face check: { $faces } · video service: { $provider }
config-allowance = Allowance
config-allowance-value =
    starting grant: { $start }
    refill: { $amount } { $period }, up to { $cap }
    roles: { $roles }
    members: { $members }
config-caps = Caps
config-caps-value =
    videos a day: { $videos } · seconds a day: { $seconds }
    jobs at once: { $jobs } · cooldown: { $cooldown }
config-prices = Prices (credits)
config-prices-value =
    { $rates ->
        [none] Every price follows the video service's published price at { $per_usd } credits per US dollar.
       *[other] { $rates }
        Other prices follow the video service's published price at { $per_usd } credits per US dollar.
    }
    { $factor ->
        [provider] With video references: the video service's own rate.
       *[other] With video references ×{ $factor }
    }
config-rate = { $resolution } { $rate }/s
config-moderators = Moderators
config-moderators-value = { $role } · audit channel: { $log }

usage-chart-title = Usage, last { $days } days
usage-member = { $member }: { $credits } credits
usage-nobody = nobody yet
usage-summary =
    {"**"}Last { $days } days:** { $jobs } jobs, { $failed } failed, { $seconds } s delivered, { $credits } credits spent.
    { $people }

audit-title = Audit log
audit-empty = Nothing yet.
audit-line = `{ $when }` { $actor } **{ $action }**{ $target ->
    [none] { "" }
   *[other] { " " }→ { $target }
}: { $details }{ $reason ->
    [none] { "" }
   *[other] { " " }({ $reason })
}
audit-action = { $action ->
    [credits-grant] granted credits
    [credits-revoke] revoked credits
    [credits-set] set a balance
    [members-ban] banned
    [members-unban] unbanned
    [jobs-cancel] cancelled a job
    [config-set] changed the configuration
    [bot-permissions] is missing channel permissions
   *[other] { $action }
}

admin-cancel-finishing = Job #{ $job } is already rendering at the video service, which can't stop it now and charges the server for it: it will finish and be delivered, and the member pays. To refund the member anyway, run `/admin jobs cancel` again with refund_anyway.
