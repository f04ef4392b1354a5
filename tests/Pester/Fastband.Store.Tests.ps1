#Requires -Version 7.4
# Pester 5 tests for the store: Get-FastbandStore and Copy-FastbandStore, SQLite and (with the test server of
# tests/servers/start.sh, FASTBAND_TEST_PG_*) PostgreSQL. Without those variables the PostgreSQL tests fail and
# say why: test.sh always starts the server.
# Run through tests/Pester/run.ps1, or directly: Invoke-Pester tests/Pester/Fastband.Store.Tests.ps1
# (after ./build.sh has staged the module in module/Fastband/).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $repoRoot = Import-FastbandTestModule
    $savedEnvironment = Clear-FastbandEnvironment

    function Get-PgConnection {
        foreach ($name in 'HOST', 'PORT', 'DB', 'USER', 'PASSWORD') {
            if (-not [Environment]::GetEnvironmentVariable("FASTBAND_TEST_PG_$name")) {
                throw "FASTBAND_TEST_PG_$name is not set: run tests/servers/start.sh and source .build/servers/env first (test.sh does both)."
            }
        }
        "Host=$env:FASTBAND_TEST_PG_HOST;Port=$env:FASTBAND_TEST_PG_PORT;Database=$env:FASTBAND_TEST_PG_DB;Username=$env:FASTBAND_TEST_PG_USER"
    }

    # Points a project at a fresh schema of the test server; the password stays in FASTBAND_TEST_PG_PASSWORD.
    function Use-PgStore([string] $Project) {
        $schema = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Project '.fastband')
        Set-Content -Path (Join-Path $Project '.fastband/config.yaml') -Value @"
store:
  connection: "$(Get-PgConnection)"
  passwordEnv: FASTBAND_TEST_PG_PASSWORD
  schema: $schema
"@
        $schema
    }
}

AfterAll {
    Restore-FastbandEnvironment $savedEnvironment
}

Describe 'Get-FastbandStore' {
    It 'reports the default SQLite store' {
        $p = New-TestProject
        Initialize-TestStore $p
        $info = Get-FastbandStore -Project $p
        $info | Should -BeOfType 'Fastband.Core.Store.StoreInfo'
        $info.Backend | Should -BeExactly 'sqlite'
        $info.Location | Should -BeExactly ('sqlite:' + (Join-Path $p '.fastband/fastband.db'))
        $info.Notifications | Should -BeExactly 'polling'
        $info.SchemaVersion | Should -BeGreaterOrEqual 3
    }

    It 'reports a configured PostgreSQL store without its password' {
        $p = New-TestProject
        $schema = Use-PgStore $p
        $info = Get-FastbandStore -Project $p
        $info.Backend | Should -BeExactly 'postgres'
        $info.Location | Should -BeLike "postgres://*?schema=$schema"
        $info.Location | Should -Not -BeLike "*$env:FASTBAND_TEST_PG_PASSWORD*"
        $info.Notifications | Should -BeExactly 'listen-notify'
    }

    It 'refuses a password written in the config, as Fastband.PlaintextStorePassword' {
        $p = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.fastband')
        Set-Content -Path (Join-Path $p '.fastband/config.yaml') -Value "store:`n  connection: `"Host=127.0.0.1;Database=x;Username=u;Password=hunter2`"`n"
        $result = Get-FastbandStore -Project $p -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.PlaintextStorePassword,*'
        $failures[0].Exception.Message | Should -Not -BeLike '*hunter2*'
    }

    It 'fails with host, port and reason when the server is not there' {
        $p = New-TestProject
        $null = New-Item -ItemType Directory -Path (Join-Path $p '.fastband')
        Set-Content -Path (Join-Path $p '.fastband/config.yaml') -Value "store:`n  connection: `"Host=127.0.0.1;Port=1;Database=x;Username=u`"`n"
        $result = Get-FastbandStore -Project $p -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.StoreFailed,*'
        $failures[0].Exception.Message | Should -BeLike '*127.0.0.1:1*could not be reached*'
    }
}

Describe 'Copy-FastbandStore' {
    It 'copies the SQLite store into PostgreSQL and back, keeping ids, and counts what it copied' {
        $p = New-TestProject
        1..3 | ForEach-Object { $null = Write-FastbandOpsLog -Project $p -Agent alice -EventType general -Message "entry $_" }
        $schema = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $there = Copy-FastbandStore -Project $p -To postgres -Connection (Get-PgConnection) -PasswordEnv FASTBAND_TEST_PG_PASSWORD -Schema $schema -Confirm:$false
        $there | Should -BeOfType 'Fastband.Core.Store.StoreCopyResult'
        ($there.Tables | Where-Object Table -eq 'ops_log').Rows | Should -Be 3

        $back = Join-Path $p 'back.db'
        $homeAgain = Copy-FastbandStore -Project $p -To sqlite -Connection (Get-PgConnection) -PasswordEnv FASTBAND_TEST_PG_PASSWORD -Schema $schema -LiteralPath $back -Confirm:$false
        $homeAgain.TotalRows | Should -Be $there.TotalRows
        Test-Path $back | Should -BeTrue
    }

    It 'refuses a target that holds data unless -Force, as Fastband.StoreNotEmpty' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent alice -EventType general -Message 'one'
        $schema = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $copy = @{ Project = $p; To = 'postgres'; Connection = (Get-PgConnection); PasswordEnv = 'FASTBAND_TEST_PG_PASSWORD'; Schema = $schema; Confirm = $false }
        $null = Copy-FastbandStore @copy
        $again = Copy-FastbandStore @copy -ErrorAction SilentlyContinue -ErrorVariable failures
        $again | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Fastband.StoreNotEmpty,*'
        (Copy-FastbandStore @copy -Force).Replaced | Should -BeTrue
    }

    It 'copies nothing with -WhatIf' {
        $p = New-TestProject
        $null = Write-FastbandOpsLog -Project $p -Agent alice -EventType general -Message 'one'
        $back = Join-Path $p 'never.db'
        $schema = Use-PgStore (New-TestProject)
        Copy-FastbandStore -Project $p -To sqlite -Connection (Get-PgConnection) -PasswordEnv FASTBAND_TEST_PG_PASSWORD -Schema $schema -LiteralPath $back -WhatIf
        Test-Path $back | Should -BeFalse
    }
}
