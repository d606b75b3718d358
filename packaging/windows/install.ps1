# 12345热线工作台 Windows 离线安装：用本机已安装的 Python 3.11 建立虚拟环境，从随附的 wheels 文件夹安装（不联网），
# 并在桌面放一个快捷方式。参数 -Uninstall 卸载程序（数据库等用户数据不删除）。
param([switch]$Uninstall)
$ErrorActionPreference = "Stop"
$kit = $PSScriptRoot
$target = Join-Path $env:LOCALAPPDATA "HotlineDesk"
$shortcut = Join-Path ([Environment]::GetFolderPath("Desktop")) "12345热线工作台.lnk"

# The program running from the install folder holds its files open: removing or reinstalling then fails half-way and
# leaves a broken copy. Ask the user to close it first.
function Wait-ProgramClosed {
    $venv = (Join-Path $target "venv") + "\"
    while ($true) {
        $running = @(Get-Process -Name pythonw, python, hotline-desk -ErrorAction SilentlyContinue |
            Where-Object { $_.Path -and $_.Path.StartsWith($venv, [StringComparison]::OrdinalIgnoreCase) })
        if ($running.Count -eq 0) { return }
        Write-Host "12345热线工作台正在运行（$($running.Count) 个进程）。请先关闭所有“12345热线工作台”窗口和命令行中的 hotline-desk。"
        $answer = Read-Host "关闭后按回车键继续，输入 q 后回车退出"
        if ($answer -eq "q") { Write-Host "未作任何改动。"; exit 1 }
    }
}

if ($Uninstall) {
    Wait-ProgramClosed
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $target
    Remove-Item -Force -ErrorAction SilentlyContinue $shortcut
    Write-Host "已卸载 12345热线工作台。数据库和备份未删除。"
    exit 0
}

function Find-Python311 {
    # Windows PowerShell 5.1 makes a native program's stderr, redirected, an error record; under "Stop" the message of a
    # missing version ("py -3.11": Python 3.11 not found) would end the script instead of trying the next candidate.
    $ErrorActionPreference = "Continue"
    $candidates = @()
    if (Get-Command py -ErrorAction SilentlyContinue) { $candidates += ,@("py", "-3.11") }
    foreach ($name in @("python", "python3")) {
        if (Get-Command $name -ErrorAction SilentlyContinue) { $candidates += ,@($name) }
    }
    foreach ($candidate in $candidates) {
        $exe = $candidate[0]; $rest = @($candidate | Select-Object -Skip 1)
        try {
            $found = & $exe @rest -c "import sys; print(sys.executable if sys.version_info[:2] == (3, 11) and sys.maxsize > 2**32 else '')" 2>$null
        } catch {
            continue
        }
        if ($LASTEXITCODE -eq 0 -and $found) { return ([string]($found | Select-Object -Last 1)).Trim() }
    }
    return $null
}

$python = Find-Python311
if (-not $python) {
    Write-Host "未找到 64 位的 Python 3.11。请先安装 Python 3.11（64 位，安装时勾选 py 启动器），再运行本程序。"
    exit 1
}
Write-Host "使用 Python：$python"
Wait-ProgramClosed
if (Test-Path $target) { Remove-Item -Recurse -Force $target }
& $python -m venv (Join-Path $target "venv")
if ($LASTEXITCODE -ne 0) { Write-Host "建立虚拟环境失败。"; exit 1 }
$venvPython = Join-Path $target "venv\Scripts\python.exe"
& $venvPython -m pip install --no-index --find-links (Join-Path $kit "wheels") hotline-desk
if ($LASTEXITCODE -ne 0) { Write-Host "安装失败：wheels 文件夹中缺少所需的文件，或 Python 版本不对。"; exit 1 }
Copy-Item (Join-Path $kit "hotline-desk.ico") (Join-Path $target "hotline-desk.ico")

$shell = New-Object -ComObject WScript.Shell
$link = $shell.CreateShortcut($shortcut)
$link.TargetPath = Join-Path $target "venv\Scripts\pythonw.exe"
$link.Arguments = "-m hotline_desk"
$link.WorkingDirectory = $env:USERPROFILE
$link.IconLocation = Join-Path $target "hotline-desk.ico"
$link.Description = "12345热线工作台"
$link.Save()
Copy-Item (Join-Path $kit "install.ps1") (Join-Path $target "install.ps1")
Write-Host "已安装到 $target，桌面上有“12345热线工作台”快捷方式。"
Write-Host "命令行：$target\venv\Scripts\hotline-desk.exe --help"
Write-Host "卸载：powershell -ExecutionPolicy Bypass -File `"$target\install.ps1`" -Uninstall"
