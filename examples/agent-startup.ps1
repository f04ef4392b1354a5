#Requires -Version 7.4
<#
.SYNOPSIS
    The agent start-up routine from the Agent Ops Log spec, through the Fastband cmdlets.

.DESCRIPTION
    What an agent does before and around its work on a ticket:

      1. Test-FastbandCoordination: may this agent work on the ticket now? If a hold or another agent's
         rebuild blocks it, Wait-FastbandClearance up to -WaitTimeout, or stop at once with -NoWait.
      2. Get-FastbandRebuild: show the rebuilds other agents have in progress (and wait again if one
         started since step 1).
      3. Register-FastbandAgent: register (or refresh) this agent's session.
      4. Get-FastbandTicketConflict: stop if another active agent is on the ticket.
      5. Enter-FastbandLock on the files, all or nothing (refused: Request-FastbandLockHandoff, exit 3).
      6. Write-FastbandOpsLog ticket_claimed (steps 6 to 8 run while holding the lock).
      7. Start-FastbandRebuild, run -Rebuild, Complete-FastbandRebuild (announced complete even if the
         rebuild fails, so that it does not block everyone else until the rebuild timeout).
      8. Write-FastbandOpsLog ticket_completed; then Exit-FastbandLock, however steps 6 to 8 ended.

    Progress goes to the host; the ops log entries the script writes go to the pipeline.

    Exit codes (for pwsh -File and for $LASTEXITCODE after & ./agent-startup.ps1): 0 done; 3 blocked by a
    hold or rebuild past the wait, or another agent is on the ticket (nothing was claimed); 2 no agent name;
    1 a step failed.

.PARAMETER TicketId
    The ticket to work on, e.g. 1205.

.PARAMETER Agent
    Your agent name. Default: $env:FASTBAND_AGENT, else $env:AGENT_ID.

.PARAMETER Project
    The project folder. Default: $env:FASTBAND_PROJECT, else the nearest folder up from $PWD holding .fastband/.

.PARAMETER WaitTimeout
    How long to wait out a hold or a rebuild before giving up. Default '10m'. Quote values with a unit:
    unquoted, PowerShell reads 30s as the number 30 (a [short]) and 2d as the decimal 2.

.PARAMETER NoWait
    Stop at once (exit 3) if a hold or a rebuild blocks the agent.

.PARAMETER Container
    The container to rebuild. Default 'webapp'.

.PARAMETER File
    The files changed, for the rebuild announcements.

.PARAMETER Rebuild
    The rebuild itself, run between the two announcements. Default: a one-second stand-in.

.EXAMPLE
    pwsh -NoProfile -File examples/agent-startup.ps1 -TicketId 1205 -Agent MCP_Agent1 -Project /my/project

.EXAMPLE
    $env:FASTBAND_AGENT = 'MCP_Agent1'
    ./examples/agent-startup.ps1 1205 -WaitTimeout '30s' -Rebuild { docker compose build webapp }
    if ($LASTEXITCODE -eq 3) { 'blocked or taken: try another ticket' }

.OUTPUTS
    Fastband.Core.OpsLog.OpsLogEntry: the entries written (claimed, rebuild requested and complete, completed).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, Position = 0)]
    [string] $TicketId,

    [string] $Agent = $(if ($env:FASTBAND_AGENT) { $env:FASTBAND_AGENT } else { $env:AGENT_ID }),

    [string] $Project,

    [string] $WaitTimeout = '10m',

    [switch] $NoWait,

    [string] $Container = 'webapp',

    [string[]] $File = @('templates/base.html', 'static/css/main.css'),

    [scriptblock] $Rebuild = { Start-Sleep -Seconds 1 }
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true   # a native rebuild command that exits non-zero fails the rebuild

if (-not $Agent) {
    $Host.UI.WriteErrorLine('agent-startup.ps1: name your agent: pass -Agent or set $env:FASTBAND_AGENT.')
    exit 2
}

# The module: already loaded, else the one ./build.sh staged in this repository, else one on PSModulePath.
if (-not (Get-Command Write-FastbandOpsLog -ErrorAction SilentlyContinue)) {
    $staged = Join-Path $PSScriptRoot '../module/Fastband/Fastband.psd1'
    if (Test-Path -LiteralPath $staged) { Import-Module $staged } else { Import-Module Fastband }
}

# Parameters every call shares: the project for all, the agent for those that act as one.
$where = @{}
if ($Project) { $where.Project = $Project }
$me = $where + @{ Agent = $Agent }

function Write-Step([string] $Text) { Write-Host "[$Agent] $Text" }

# Returns when the agent may work on the ticket; exits 3 when it is still blocked.
function Wait-UntilClear {
    $answer = Test-FastbandCoordination @me -TicketId $TicketId
    if ($answer.Allowed) {
        Write-Step "clear to work: $($answer.Reason)"
        return
    }
    Write-Step "BLOCKED: $($answer.Reason)"
    foreach ($hold in $answer.BlockingHolds) { Write-Step "  hold $($hold.Id): $($hold.Formatted)" }
    foreach ($running in $answer.BlockingRebuilds) { Write-Step "  rebuild: $running" }
    if ($NoWait) {
        Write-Step "not waiting (-NoWait): stopping without claiming ticket #$TicketId."
        exit 3
    }
    Write-Step "waiting up to $($WaitTimeout) for the hold or rebuild to clear..."
    $answer = Wait-FastbandClearance @me -TicketId $TicketId -Timeout $WaitTimeout -WarningAction SilentlyContinue
    if (-not $answer.Allowed) {
        Write-Step "still blocked after $($WaitTimeout): $($answer.Reason) Stopping without claiming ticket #$TicketId."
        exit 3
    }
    Write-Step "cleared: $($answer.Reason)"
}

# --- 1. the directive ----------------------------------------------------------------------------------
Write-Step "starting up for ticket #$TicketId"
Wait-UntilClear

# --- 2. rebuilds in progress ---------------------------------------------------------------------------
# Test-FastbandCoordination already counts other agents' rebuilds; this shows them, and waits again if one
# started since the check.
$othersRebuilding = @(Get-FastbandRebuild @where | Where-Object { $_.RequestedBy -ne $Agent })
if ($othersRebuilding.Count -gt 0) {
    foreach ($r in $othersRebuilding) {
        Write-Step "rebuild in progress: $($r.Container) (ticket #$($r.TicketId), by $($r.RequestedBy) since $($r.RequestedAt.UtcDateTime.ToString('u')))"
    }
    Wait-UntilClear
}
else {
    Write-Step 'no rebuild in progress by another agent.'
}

# --- 3. register the session ---------------------------------------------------------------------------
try {
    $session = Register-FastbandAgent @me
    Write-Step "registered on $($session.Host) (pid $($session.ProcessId))."
}
catch {
    # Writing an entry (step 5) records the session as well, so a failed registration is not fatal here.
    Write-Warning "Register-FastbandAgent failed ($($_.Exception.Message)); going on: the ticket_claimed entry records the session."
}

# --- 4. is someone else on the ticket? -----------------------------------------------------------------
$conflict = Get-FastbandTicketConflict @me -TicketId $TicketId
if ($conflict.HasConflict) {
    Write-Step "CONFLICT: $($conflict.Recommendation) Stopping without claiming it."
    exit 3
}
Write-Step $conflict.Recommendation

# --- 5. lock the files, all or nothing ----------------------------------------------------------------
# The handle's lease is tied to this pwsh process and renews itself while it runs; it is released below
# however the routine ends (and if pwsh dies, the next agent gets the files at once).
try {
    $lock = Enter-FastbandLock @me -Path $File -Wait $(if ($NoWait) { '0s' } else { $WaitTimeout }) -Reason "ticket #$TicketId" -ErrorAction Stop
}
catch {
    Write-Step "LOCKED by another agent ($($_.Exception.Message)): asking for a handoff, stopping without claiming ticket #$TicketId."
    $held = Get-FastbandLockConflict @me -Path $File | Where-Object { -not $_.Queued } | Select-Object -ExpandProperty Requested -Unique
    foreach ($path in $held) { $null = Request-FastbandLockHandoff @me -Path $path -Message "needed for ticket #$TicketId" }
    exit 3
}
Write-Step "locked $($lock.Resources -join ', ') (lease $($lock.LeaseId), token $($lock.FencingToken))."
try {
    # --- 6. claim the ticket ---------------------------------------------------------------------------
    Write-FastbandOpsLog @me -EventType ticket_claimed -TicketId $TicketId -Message "Starting work on ticket #$TicketId"

    # --- 7. rebuild, announced -------------------------------------------------------------------------
    Start-FastbandRebuild @me -Container $Container -TicketId $TicketId -File $File
    $rebuildFailure = $null
    try {
        & $Rebuild | Out-Host
    }
    catch {
        $rebuildFailure = $_
    }
    Complete-FastbandRebuild @me -Container $Container -TicketId $TicketId -File $File
    if ($rebuildFailure) {
        Write-Step "the rebuild failed ($rebuildFailure): ticket #$TicketId stays claimed."
        exit 1
    }

    # --- 8. complete the ticket ------------------------------------------------------------------------
    Write-FastbandOpsLog @me -EventType ticket_completed -TicketId $TicketId -Message "Completed ticket #$TicketId"
}
finally {
    $null = $lock | Exit-FastbandLock
}
Write-Step 'done.'
exit 0
