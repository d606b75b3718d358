@echo off
rem Hotline Desk offline installer for Windows: runs install.ps1 (needs Python 3.11 installed, no network).
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
if errorlevel 1 (
  echo.
  echo Installation failed. See the messages above.
)
pause
