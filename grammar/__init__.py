"""Grammar sources of rulelang (shipped inside the wheel as ``rulelang.grammar``)."""
