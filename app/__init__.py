"""Key Account Coach (大客户销售陪练): offline, Chinese-first sales role-play and scoring."""

__version__ = "0.1.0"
