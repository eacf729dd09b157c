# Fails if DOC differs from `CLI list WHAT --markdown`. Regenerate with:
#   build/release/apps/descent list WHAT --markdown > docs/WHAT.md
execute_process(COMMAND ${CLI} list ${WHAT} --markdown OUTPUT_VARIABLE generated
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "descent list ${WHAT} --markdown failed")
endif()
file(READ ${DOC} current)
if(NOT current STREQUAL generated)
  message(FATAL_ERROR "${DOC} is out of date with the registry; regenerate it with\n"
                      "  descent list ${WHAT} --markdown > docs/${WHAT}.md")
endif()
