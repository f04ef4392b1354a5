using System.Text.Json;
using System.Text.Json.Serialization;
using Fastband.Core.Alerts;
using Fastband.Core.Backup;
using Fastband.Core.Backup.Database;
using Fastband.Core.Board;
using Fastband.Core.Events;
using Fastband.Core.Git;
using Fastband.Core.Health;
using Fastband.Core.Hooks;
using Fastband.Core.Issues;
using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Fastband.Core.Messaging;
using Fastband.Core.OpsLog;
using Fastband.Core.Sessions;
using Fastband.Core.Setup;
using Fastband.Core.Store;

namespace Fastband.Core;

/// <summary>
/// The serialization code for every type Fastband writes or reads as JSON, generated at build time: the CLI runs
/// with reflection-based serialization switched off (JIT and Native AOT alike), so a result type missing here fails
/// the first command that prints it, and <c>FastbandJsonContextTests</c> fails for any type a service returns.
/// <see cref="FastbandJson.Options"/> layers the house conventions (camelCase enums, relaxed escaping) over it.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
// Plain values, as they appear inside metadata and parsed documents (object-typed properties resolve them at run time).
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(object?[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(List<object?>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, object?>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
// Alerts
[JsonSerializable(typeof(AlertFlushResult))]
[JsonSerializable(typeof(PendingAlert))]
[JsonSerializable(typeof(IReadOnlyList<PendingAlert>))]
[JsonSerializable(typeof(AlertBody))]
// Backups
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(BackupInfo))]
[JsonSerializable(typeof(IReadOnlyList<BackupInfo>))]
[JsonSerializable(typeof(BackupResult))]
[JsonSerializable(typeof(BackupStatus))]
[JsonSerializable(typeof(ChangeSummary))]
[JsonSerializable(typeof(PruneResult))]
[JsonSerializable(typeof(RestoreResult))]
[JsonSerializable(typeof(ScheduledRunResult))]
[JsonSerializable(typeof(VerifyResult))]
[JsonSerializable(typeof(DatabaseDumpResult))]
[JsonSerializable(typeof(DatabaseVerification))]
[JsonSerializable(typeof(DatabaseTarget))]
// The board, events, git, health, hooks
[JsonSerializable(typeof(StatusBoard))]
[JsonSerializable(typeof(AgentWorkStatus))]
[JsonSerializable(typeof(EventCursor))]
[JsonSerializable(typeof(ExportResult))]
[JsonSerializable(typeof(Fastband.Core.Events.ImportResult))]
[JsonSerializable(typeof(InteractionEvent))]
[JsonSerializable(typeof(IReadOnlyList<InteractionEvent>))]
[JsonSerializable(typeof(EventNotice))]
[JsonSerializable(typeof(IReadOnlyList<EventNotice>))]
[JsonSerializable(typeof(TranscriptResult))]
[JsonSerializable(typeof(OfflineQueue.Line))]
[JsonSerializable(typeof(EventErrorLog.ErrorLogLine))]
[JsonSerializable(typeof(GitCheckpoint))]
[JsonSerializable(typeof(IReadOnlyList<GitCheckpoint>))]
[JsonSerializable(typeof(GitCommitResult))]
[JsonSerializable(typeof(GitRestoreResult))]
[JsonSerializable(typeof(GitRollbackResult))]
[JsonSerializable(typeof(GitSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<GitSnapshot>))]
[JsonSerializable(typeof(GitStatus))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(HealthFinding))]
[JsonSerializable(typeof(IReadOnlyList<HealthFinding>))]
[JsonSerializable(typeof(EditVerdict))]
// Issues and fixes
[JsonSerializable(typeof(AuditExport))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(IReadOnlyList<AuditEntry>))]
[JsonSerializable(typeof(Fix))]
[JsonSerializable(typeof(IReadOnlyList<Fix>))]
[JsonSerializable(typeof(Issue))]
[JsonSerializable(typeof(IReadOnlyList<Issue>))]
[JsonSerializable(typeof(IssueHealthReport))]
[JsonSerializable(typeof(IssueImportResult))]
[JsonSerializable(typeof(Fastband.Core.Issues.ImportProblem), TypeInfoPropertyName = "IssueImportProblem")]
[JsonSerializable(typeof(IReadOnlyList<Fastband.Core.Issues.ImportProblem>), TypeInfoPropertyName = "IssueImportProblemList")]
[JsonSerializable(typeof(ReportResult))]
// Leader, locks, messages
[JsonSerializable(typeof(HeartbeatResult))]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(IReadOnlyList<Heartbeat>))]
[JsonSerializable(typeof(LeaderCheck))]
[JsonSerializable(typeof(LeaderStatus))]
[JsonSerializable(typeof(LeaderTerm))]
[JsonSerializable(typeof(IReadOnlyList<LeaderTerm>))]
[JsonSerializable(typeof(BreakResult))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(IReadOnlyList<Lease>))]
[JsonSerializable(typeof(LockListing))]
[JsonSerializable(typeof(LockResult))]
[JsonSerializable(typeof(ReleaseResult))]
[JsonSerializable(typeof(TokenValidation))]
[JsonSerializable(typeof(LockConflict))]
[JsonSerializable(typeof(IReadOnlyList<LockConflict>))]
[JsonSerializable(typeof(LockEvent))]
[JsonSerializable(typeof(IReadOnlyList<LockEvent>))]
[JsonSerializable(typeof(ReclaimedLease))]
[JsonSerializable(typeof(IReadOnlyList<ReclaimedLease>))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(IReadOnlyList<Message>))]
[JsonSerializable(typeof(MessageAckResult))]
// The ops log and coordination
[JsonSerializable(typeof(AgentRegistration))]
[JsonSerializable(typeof(IReadOnlyList<AgentRegistration>))]
[JsonSerializable(typeof(ArchiveResult))]
[JsonSerializable(typeof(OpsLogService.ArchiveLine))]
[JsonSerializable(typeof(ClearanceRequest))]
[JsonSerializable(typeof(CoordinationStatus))]
[JsonSerializable(typeof(Directive))]
[JsonSerializable(typeof(IReadOnlyList<Directive>))]
[JsonSerializable(typeof(DirectiveStatus))]
[JsonSerializable(typeof(OpsLogEntry))]
[JsonSerializable(typeof(IReadOnlyList<OpsLogEntry>))]
[JsonSerializable(typeof(OpsLogPage))]
[JsonSerializable(typeof(RebuildStatus))]
[JsonSerializable(typeof(IReadOnlyList<RebuildStatus>))]
[JsonSerializable(typeof(TicketConflict))]
[JsonSerializable(typeof(WorkPermission))]
// Sessions, set-up, the store
[JsonSerializable(typeof(SessionInput))]
[JsonSerializable(typeof(SessionState))]
[JsonSerializable(typeof(SessionSummary))]
[JsonSerializable(typeof(IReadOnlyList<SessionSummary>))]
[JsonSerializable(typeof(InitResult))]
[JsonSerializable(typeof(ScheduleReport))]
[JsonSerializable(typeof(StoreCopyResult))]
[JsonSerializable(typeof(StoreInfo))]
[JsonSerializable(typeof(ErrorReport))]
internal sealed partial class FastbandJsonContext : JsonSerializerContext;

/// <summary>
/// Files whose property names are .NET's own (PascalCase), read and written with the serializer's defaults: the
/// backup lock's holder note, the scan cache's legacy header, the string lists the store keeps in one column.
/// </summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(BackupGuard.Holder))]
[JsonSerializable(typeof(ScanCache.LegacyMeta))]
internal sealed partial class PlainJsonContext : JsonSerializerContext;
